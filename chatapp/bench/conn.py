"""BenchConn: one client connection; frames in, replies matched by rid, deliveries acknowledged."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import orjson

from chatapp.protocol import FrameSplitter, MsgId

log = logging.getLogger(__name__)

Json = dict[str, Any]
Handler = Callable[["BenchConn", Json, int], None]
"""Called with the connection, the decoded frame and the monotonic time it was read (ns)."""

# Login acks list every group with every member: far more than a chat frame.
MAX_FRAME = 16 * 1024 * 1024
_CHATS = frozenset((MsgId.ONE_CHAT, MsgId.GROUP_CHAT))
_loads = orjson.loads
_monotonic_ns = time.monotonic_ns


@dataclass(frozen=True, slots=True)
class AckPolicy:
    """When the bench tells the server which deliveries it holds (DELIVERED)."""

    every: int = 64
    delay: float = 0.0
    """0: when the receive loop goes idle (after each read), as an interactive client does."""


@dataclass(slots=True)
class DeliveryStats:
    """Delivery sequence numbers seen by every connection of a run."""

    chats: int = 0
    without_seq: int = 0
    redelivered: int = 0
    """Deliveries that came again (seq already held); a client shows them once, and so
    the scenarios never see them."""
    out_of_order: int = 0
    acks_sent: int = 0
    backlog: int = 0
    """Deliveries waiting at login: left over from an earlier run."""

    def to_json(self, gaps: int) -> Json:
        return {
            "chats": self.chats,
            "seq_seen": self.chats > self.without_seq,
            "without_seq": self.without_seq,
            "redelivered": self.redelivered,
            "out_of_order_seq": self.out_of_order,
            "gaps_at_end": gaps,
            "acks_sent": self.acks_sent,
            "backlog_at_login": self.backlog,
        }


def _ignore(conn: BenchConn, obj: Json, now_ns: int) -> None:
    pass


def _request_name(msgid: object) -> str:
    """`delivered` for 17: how errors are keyed in the report."""
    if type(msgid) is int and msgid in MsgId._value2member_map_:
        return MsgId(msgid).name.lower()
    return "error"


class BenchConn(asyncio.Protocol):
    """A connection that decodes with orjson and leaves the hot path to the scenario.

    Chats (ONE_CHAT, GROUP_CHAT) go to `on_chat`. Replies whose rid is a string come from
    `request()` and resolve its future; everything else (chat ACKs and ERRORs, which carry
    the scenario's integer rids, PONG, PRESENCE) goes to `on_reply`. Writes made while a
    read is dispatched are sent together with the delivery ack in one system call.
    """

    def __init__(self, errors: Counter[str], deliveries: DeliveryStats, policy: AckPolicy) -> None:
        self.errors = errors
        self.deliveries = deliveries
        self.policy = policy
        self.transport: asyncio.Transport | None = None
        self.splitter = FrameSplitter(MAX_FRAME)
        self.on_chat: Handler = _ignore
        self.on_reply: Handler = _ignore
        self.uid = 0
        self.name = ""
        self.token: str | None = None
        self.groups: dict[str, tuple[int, int]] = {}
        """The user's groups as the login ack listed them: name -> (id, member count)."""
        self.tag: Any = None
        """The scenario's object this connection belongs to (a pair, a group)."""
        self.side = 0
        self.lost = False
        self.closing = False
        self.writes = 0
        self.seq_hi: int | None = None
        """Every delivery up to this sequence number has arrived."""
        self.acked_seq = 0
        self.unacked = 0
        self._ahead: set[int] = set()
        self._waiting: dict[str, asyncio.Future[Json | None]] = {}
        self._rids = 0
        self._cork: list[bytes] | None = None
        self._ack_timer: asyncio.TimerHandle | None = None

    # --- transport callbacks ---------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, but implement it.
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if not self.closing:
            self.errors["connection_lost"] += 1
        if self._ack_timer is not None:
            self._ack_timer.cancel()
        for future in self._waiting.values():
            if not future.done():
                future.set_result(None)
        self._waiting.clear()

    def data_received(self, data: bytes) -> None:
        now = _monotonic_ns()
        frames = self.splitter.feed(data)
        if self.splitter.overflowed:
            self.errors["frame_too_large"] += 1
            self.close()
        out: list[bytes] = []
        self._cork = out
        for frame in frames:
            try:
                self._dispatch(frame, now)
            except Exception:
                # A bug in a scenario handler: count it, keep the stream going.
                log.exception("handling a frame failed")
                self.errors["bench_handler_failed"] += 1
        self._cork = None
        if self.unacked:
            if self.policy.delay <= 0:
                ack = self._delivered()
                if ack:
                    out.append(ack)
            elif self._ack_timer is None:
                loop = asyncio.get_running_loop()
                self._ack_timer = loop.call_later(self.policy.delay, self.flush_acks)
        if out and not self.lost:
            assert self.transport is not None
            self.transport.write(b"".join(out) if len(out) > 1 else out[0])
            self.writes += 1

    def _dispatch(self, frame: bytes, now: int) -> None:
        try:
            obj = _loads(frame)
        except orjson.JSONDecodeError:
            self.errors["bad_json_from_server"] += 1
            return
        if type(obj) is not dict:
            self.errors["bad_frame_from_server"] += 1
            return
        if obj.get("msgid") in _CHATS:
            self.deliveries.chats += 1
            seq = obj.get("seq")
            if type(seq) is not int:
                self.deliveries.without_seq += 1
            elif not self._sequenced(seq):
                return
            self.on_chat(self, obj, now)
            return
        if obj.get("msgid") == MsgId.ACK and type(seq := obj.get("seq")) is int:
            self._own(seq)  # and on to the scenario's handler
        rid = obj.get("rid")
        if type(rid) is str:
            future = self._waiting.pop(rid, None)
            if future is not None:
                if not future.done():
                    future.set_result(obj)
                return
        elif type(rid) is not int and obj.get("msgid") == MsgId.ERROR:
            # An answer to nothing the scenario waits for: DELIVERED refused, a bad frame.
            self.errors[f"{_request_name(obj.get('re'))}_errno_{obj.get('errno')}"] += 1
            return
        self.on_reply(self, obj, now)

    # --- delivery sequence -----------------------------------------------------------

    def _sequenced(self, seq: int) -> bool:
        """Notes a delivery's number; False when it is one already held."""
        hi = self.seq_hi
        if hi is None or seq == hi + 1:
            hi = seq
            if self._ahead:
                while hi + 1 in self._ahead:
                    hi += 1
                    self._ahead.discard(hi)
            self.seq_hi = hi
        elif seq <= hi or seq in self._ahead:
            self.deliveries.redelivered += 1
            return False
        else:
            # Held apart until the gap fills: DELIVERED means "everything up to N".
            self._ahead.add(seq)
            self.deliveries.out_of_order += 1
        self.unacked += 1
        if self.unacked >= self.policy.every:
            self.write(self._delivered())
        return True

    def _own(self, seq: int) -> None:
        """Holds `seq` without a delivery: the copy of a chat this connection sent, for the
        account's other devices (its ACK names it), so that DELIVERED can pass it."""
        hi = self.seq_hi
        if hi is None or seq == hi + 1:
            while self._ahead and seq + 1 in self._ahead:
                seq += 1
                self._ahead.discard(seq)
            self.seq_hi = seq
        elif seq > hi:
            self._ahead.add(seq)

    def note_backlog(self, seqs: list[int]) -> None:
        """Deliveries handed over at login: the sequence continues after them."""
        for seq in sorted(seqs):
            self.deliveries.backlog += 1
            if self.seq_hi is None or seq > self.seq_hi:
                self.seq_hi = seq
                self.unacked += 1

    def resume_sequence(self, old: BenchConn) -> None:
        """A reconnect of the same user: its sequence carries on from the old connection."""
        self.seq_hi, self.acked_seq = old.seq_hi, old.acked_seq
        self._ahead = set(old._ahead)

    @property
    def gaps(self) -> int:
        """Deliveries that arrived after a hole that never filled."""
        return len(self._ahead)

    def _delivered(self) -> bytes:
        self.unacked = 0
        if self._ack_timer is not None:
            self._ack_timer.cancel()
            self._ack_timer = None
        hi = self.seq_hi or 0
        if hi <= self.acked_seq:
            return b""
        self.acked_seq = hi
        self.deliveries.acks_sent += 1
        return b'{"msgid":17,"seq":%d}\n' % hi

    def flush_acks(self) -> None:
        """Acknowledges what has arrived; called by the delay timer and before closing."""
        self._ack_timer = None
        if self.unacked:
            self.write(self._delivered())

    # --- sending ---------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        if not data or self.lost:
            return
        if self._cork is not None:
            self._cork.append(data)
            return
        assert self.transport is not None
        self.transport.write(data)
        self.writes += 1

    async def request(self, obj: Json, wait: float) -> Json | None:
        """Sends a request and returns its reply, or None on timeout or a lost connection."""
        if self.lost:
            return None
        self._rids += 1
        rid = f"q{self._rids}"
        obj["rid"] = rid
        future: asyncio.Future[Json | None] = asyncio.get_running_loop().create_future()
        self._waiting[rid] = future
        self.write(orjson.dumps(obj) + b"\n")
        try:
            return await asyncio.wait_for(future, wait)
        except TimeoutError:
            self.errors[f"timeout_{MsgId(obj['msgid']).name.lower()}"] += 1
            return None
        finally:
            self._waiting.pop(rid, None)

    def close(self) -> None:
        """Closes after acknowledging what arrived, so the next run starts with no backlog."""
        if self.closing:
            return
        if not self.lost:
            self.flush_acks()
        self.closing = True
        if self._ack_timer is not None:
            self._ack_timer.cancel()
            self._ack_timer = None
        if self.transport is not None:
            self.transport.close()
