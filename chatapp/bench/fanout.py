"""GroupFanout: closed-loop group chat; the next message goes when every member has the last."""

from __future__ import annotations

import asyncio
import random
import time

from .conn import BenchConn, Json
from .run import Run
from .stats import Latencies, rate

_monotonic_ns = time.monotonic_ns
RETRY_SECONDS = 0.1


class Flight:
    """One group message on its way to the other members."""

    __slots__ = ("expired", "got", "n", "sender", "sent_ns")

    def __init__(self, n: int, sender: int, sent_ns: int) -> None:
        self.n = n
        self.sender = sender
        self.sent_ns = sent_ns
        self.got: set[int] = set()
        self.expired = False


class Group:
    """A group's members (one connection each) and its messages in flight."""

    __slots__ = ("conns", "flights", "gid", "heads", "index", "n", "sent_at", "timers")

    def __init__(self, index: int, gid: int, conns: list[BenchConn], run_id: str) -> None:
        self.index = index
        self.gid = gid
        self.conns = conns
        head = b'{"msgid":10,"groupid":%d,"msg":"gr|%s|%d|' % (gid, run_id.encode(), index)
        self.heads = head
        self.n = 0
        self.flights: dict[int, Flight] = {}
        self.sent_at: dict[int, int] = {}
        self.timers: list[asyncio.TimerHandle] = []
        for k, conn in enumerate(conns):
            conn.tag, conn.side = self, k

    @property
    def broken(self) -> bool:
        return any(c.lost for c in self.conns)


class GroupFanout:
    """Drives groups, senders taking turns; `window` messages in flight per group."""

    def __init__(
        self,
        run: Run,
        groups: list[Group],
        *,
        window: int = 1,
        think: float = 0.0,
        limit: int = 0,
    ) -> None:
        self.run = run
        self.groups = groups
        self.window = window
        self.think = think
        self.limit = limit
        """Messages to send in all; 0: as many as the time allows."""
        self.stall_ns = int(run.timeout * 1e9)
        self.cid = b',"cid":"%s.g%%d.%%d"' % run.run_id.encode() if run.cid else b""
        self.sending = self.measuring = False
        self.latency = Latencies()
        self.complete_latency = Latencies()
        self.ack_latency = Latencies()
        self.counts = dict.fromkeys(
            ("sent", "deliveries", "complete", "acked", "duplicates", "late", "timeouts",
             "refused", "stale", "misrouted"), 0,
        )  # fmt: skip
        self._random = random.Random(2)
        self._shown = 0
        for group in groups:
            for conn in group.conns:
                conn.on_chat = self.on_chat
                conn.on_reply = self.on_reply

    def start(self) -> None:
        self.sending = self.measuring = True
        for group in self.groups:
            for _ in range(self.window):
                self._send(group)

    def stop(self) -> None:
        self.sending = self.measuring = False
        for group in self.groups:
            for timer in group.timers:
                timer.cancel()
            group.timers.clear()

    def _send(self, group: Group) -> None:
        if not self.sending or group.broken:
            return
        if self.limit and self.counts["sent"] >= self.limit:
            return
        n = group.n = group.n + 1
        sender = n % len(group.conns)
        now = _monotonic_ns()
        group.flights[n] = Flight(n, sender, now)
        group.sent_at[n] = now
        cid = self.cid % (group.index, n) if self.cid else b""
        group.conns[sender].write(b'%s%d|%d"%s,"rid":%d}\n' % (group.heads, n, now, cid, n))
        self.counts["sent"] += 1

    def _later(self, group: Group, delay: float) -> None:
        if delay <= 0:
            self._send(group)
            return
        group.timers = [t for t in group.timers if not t.cancelled()]
        group.timers.append(asyncio.get_running_loop().call_later(delay, self._send, group))

    def on_chat(self, conn: BenchConn, obj: Json, now: int) -> None:
        counts = self.counts
        tag = self.run.chat_tag(obj, "gr", len(self.groups), counts)
        if tag is None:
            return
        index, n, _ = tag
        group = self.groups[index]
        if group is not conn.tag:
            counts["misrouted"] += 1
            return
        flight = group.flights.get(n)
        k = conn.side
        if flight is None or k == flight.sender or k in flight.got:
            counts["duplicates"] += 1
            return
        flight.got.add(k)
        if flight.expired:
            counts["late"] += 1
        elif self.measuring:
            counts["deliveries"] += 1
            self.latency.add_ns(now - flight.sent_ns)
        if len(flight.got) == len(group.conns) - 1:
            del group.flights[n]
            if not flight.expired:
                if self.measuring:
                    counts["complete"] += 1
                    self.complete_latency.add_ns(now - flight.sent_ns)
                think = self.think * (0.5 + self._random.random()) if self.think else 0.0
                self._later(group, think)

    def on_reply(self, conn: BenchConn, obj: Json, now: int) -> None:
        msgid, rid = obj.get("msgid"), obj.get("rid")
        if type(rid) is not int or msgid not in (11, 12):
            return
        group: Group = conn.tag
        sent = group.sent_at.pop(rid, None)
        if msgid == 11:
            if sent is not None:
                self.counts["acked"] += 1
                self.ack_latency.add_ns(now - sent)
            return
        self.counts["refused"] += 1
        self.run.errors[f"group_chat_errno_{obj.get('errno')}"] += 1
        if group.flights.pop(rid, None) is not None:
            self._later(group, RETRY_SECONDS)

    def poll(self) -> None:
        """Gives up on stalled messages (lost unless they show up) and sends the next."""
        now = _monotonic_ns()
        for group in self.groups:
            for flight in list(group.flights.values()):
                if not flight.expired and now - flight.sent_ns > self.stall_ns:
                    flight.expired = True
                    self.counts["timeouts"] += 1
                    self._send(group)

    def in_flight(self) -> bool:
        return any(g.flights and not g.broken for g in self.groups)

    def done(self) -> bool:
        return bool(self.limit) and self.counts["sent"] >= self.limit and not self.in_flight()

    def status(self) -> dict[str, object]:
        p99 = self.latency.recent_p99(self._shown)
        self._shown = len(self.latency)
        return {"deliveries": self.counts["deliveries"], "p99 ms": p99}

    def result(self, seconds: float) -> Json:
        lost = unacked = abandoned = 0
        for group in self.groups:
            for flight in group.flights.values():
                missing = len(group.conns) - 1 - len(flight.got)
                if group.broken:
                    abandoned += missing
                elif flight.n in group.sent_at:
                    unacked += missing
                else:
                    lost += missing
        counts = self.counts
        return {
            "count": counts["deliveries"],
            "per_s": rate(counts["deliveries"], seconds),
            "latency_ms": self.latency.summary(),
            "lost": lost,
            "duplicates": counts["duplicates"],
            **{k: v for k, v in counts.items() if k not in ("deliveries", "duplicates")},
            "messages_per_s": rate(counts["complete"], seconds),
            "never_acked_nor_delivered": unacked,
            "abandoned": abandoned,
            "groups": len(self.groups),
            "complete_latency_ms": self.complete_latency.summary(),
            "ack_latency_ms": self.ack_latency.summary(),
        }
