"""PingPong: closed-loop one-to-one chat; each pair bounces one message back and forth."""

from __future__ import annotations

import asyncio
import random
import time

from .conn import BenchConn, Json
from .run import Run
from .stats import Latencies, rate

_monotonic_ns = time.monotonic_ns
RETRY_SECONDS = 0.1


class Pair:
    """Two users chatting: at most one message of theirs is on its way at a time."""

    __slots__ = ("conns", "heads", "index", "n", "out_n", "out_side", "out_t", "sent_at",
                 "timedout", "timer")  # fmt: skip

    def __init__(self, index: int, a: BenchConn, b: BenchConn, run_id: str) -> None:
        self.index = index
        self.conns = (a, b)
        # The request up to the sequence number, rendered once: only n, time and rid vary.
        self.heads = tuple(
            b'{"msgid":6,"toid":%d,"msg":"pp|%s|%d|' % (dst.uid, run_id.encode(), index)
            for dst in (b, a)
        )
        self.n = 0
        self.out_n = 0
        self.out_side = 0
        self.out_t = 0
        self.sent_at: dict[int, int] = {}
        """Send times of messages not yet acknowledged by the server."""
        self.timedout: set[int] = set()
        self.timer: asyncio.TimerHandle | None = None
        for side, conn in enumerate(self.conns):
            conn.tag, conn.side = self, side

    @property
    def broken(self) -> bool:
        return self.conns[0].lost or self.conns[1].lost


class PingPong:
    """Drives pairs of connections; latency is from send to the peer's receipt."""

    def __init__(
        self,
        run: Run,
        conns: list[tuple[BenchConn, BenchConn]],
        *,
        think: float = 0.0,
        limit: int = 0,
    ) -> None:
        self.run = run
        self.pairs = [Pair(i, a, b, run.run_id) for i, (a, b) in enumerate(conns)]
        self.think = think
        self.limit = limit
        """Messages to send in all; 0: as many as the time allows."""
        self.stall_ns = int(run.timeout * 1e9)
        self.cid = b',"cid":"%s.p%%d.%%d"' % run.run_id.encode() if run.cid else b""
        self.sending = False
        self.measuring = False
        self.latency = Latencies()
        self.ack_latency = Latencies()
        self.counts = dict.fromkeys(
            ("sent", "delivered", "received", "acked", "duplicates", "late", "stalls",
             "refused", "stale", "misrouted"), 0,
        )  # fmt: skip
        self._random = random.Random(1)
        self._shown = 0
        for pair in self.pairs:
            for conn in pair.conns:
                conn.on_chat = self.on_chat
                conn.on_reply = self.on_reply

    # --- sending ---------------------------------------------------------------------

    def start(self) -> None:
        self.sending = self.measuring = True
        for pair in self.pairs:
            self._send(pair, 0)

    def stop(self) -> None:
        self.sending = self.measuring = False
        for pair in self.pairs:
            if pair.timer is not None:
                pair.timer.cancel()
                pair.timer = None

    def _send(self, pair: Pair, side: int) -> None:
        pair.timer = None
        if not self.sending or pair.broken:
            return
        if self.limit and self.counts["sent"] >= self.limit:
            return
        n = pair.n = pair.n + 1
        now = _monotonic_ns()
        pair.out_n, pair.out_side, pair.out_t = n, side, now
        pair.sent_at[n] = now
        cid = self.cid % (pair.index, n) if self.cid else b""
        pair.conns[side].write(b'%s%d|%d"%s,"rid":%d}\n' % (pair.heads[side], n, now, cid, n))
        self.counts["sent"] += 1

    def _next(self, pair: Pair, side: int, delay: float) -> None:
        if delay > 0:
            loop = asyncio.get_running_loop()
            pair.timer = loop.call_later(delay, self._send, pair, side)
        else:
            self._send(pair, side)

    # --- receiving -------------------------------------------------------------------

    def on_chat(self, conn: BenchConn, obj: Json, now: int) -> None:
        counts = self.counts
        tag = self.run.chat_tag(obj, "pp", len(self.pairs), counts)
        if tag is None:
            return
        index, n, sent = tag
        pair = self.pairs[index]
        if pair is not conn.tag:
            counts["misrouted"] += 1
        elif n == pair.out_n and conn.side != pair.out_side:
            pair.out_n = 0
            counts["received"] += 1
            if self.measuring:
                counts["delivered"] += 1
                self.latency.add_ns(now - int(sent))
            think = self.think * (0.5 + self._random.random()) if self.think else 0.0
            self._next(pair, conn.side, think)
        elif n in pair.timedout:
            pair.timedout.discard(n)
            counts["late"] += 1
            counts["received"] += 1
        else:
            counts["duplicates"] += 1

    def on_reply(self, conn: BenchConn, obj: Json, now: int) -> None:
        msgid, rid = obj.get("msgid"), obj.get("rid")
        if type(rid) is not int or msgid not in (11, 12):
            return  # PONG, PRESENCE and the like
        pair: Pair = conn.tag
        sent = pair.sent_at.pop(rid, None)
        if msgid == 11:
            if sent is not None:
                self.counts["acked"] += 1
                self.ack_latency.add_ns(now - sent)
            return
        self.counts["refused"] += 1
        self.run.errors[f"one_chat_errno_{obj.get('errno')}"] += 1
        if rid == pair.out_n:
            # Refused (rate limit, storage down): the loop goes on after a pause.
            pair.out_n = 0
            self._next(pair, conn.side, RETRY_SECONDS)

    # --- watching --------------------------------------------------------------------

    def poll(self) -> None:
        """Restarts pairs whose message stalled; it counts as lost unless it shows up."""
        now = _monotonic_ns()
        for pair in self.pairs:
            if pair.out_n and now - pair.out_t > self.stall_ns:
                pair.timedout.add(pair.out_n)
                pair.out_n = 0
                self.counts["stalls"] += 1
                self._send(pair, 0)

    def in_flight(self) -> bool:
        return any(p.out_n and not p.broken for p in self.pairs)

    def done(self) -> bool:
        return bool(self.limit) and self.counts["sent"] >= self.limit and not self.in_flight()

    def status(self) -> dict[str, object]:
        # Only the samples since the last refresh: sorting them all would stall the loop.
        p99 = self.latency.recent_p99(self._shown)
        self._shown = len(self.latency)
        return {"delivered": self.counts["delivered"], "p99 ms": p99}

    def result(self, seconds: float) -> Json:
        """The figures after the drain: loss is counted against the server's ACKs."""
        lost = unacked_lost = abandoned = 0
        for pair in self.pairs:
            missing = pair.timedout | ({pair.out_n} if pair.out_n else set())
            if pair.broken:
                abandoned += len(missing)
                continue
            for n in missing:
                if n in pair.sent_at:
                    unacked_lost += 1
                else:
                    lost += 1
        counts = self.counts
        return {
            "count": counts["delivered"],
            "per_s": rate(counts["delivered"], seconds),
            "latency_ms": self.latency.summary(),
            "lost": lost,
            "duplicates": counts["duplicates"],
            **{k: v for k, v in counts.items() if k not in ("delivered", "duplicates")},
            "unacked": sum(len(p.sent_at) for p in self.pairs),
            "never_acked_nor_received": unacked_lost,
            "abandoned": abandoned,
            "pairs": len(self.pairs),
            "ack_latency_ms": self.ack_latency.summary(),
        }
