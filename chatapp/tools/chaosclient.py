"""ChaosClient: a chat client that never gives up, and the Ledger that audits them all.

It behaves as chatapp-client does: logs in again by resume token after any failure,
tells the server the last delivery it holds, acknowledges what it received, shows each
message once, and re-sends with the same `cid` whatever was not acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
from dataclasses import dataclass, field
from typing import Any

import orjson

from chatapp.protocol import Errno, FrameSplitter, MsgId

RESEND_AFTER = 2.0  # seconds without an ACK before a message is sent again
GAP_PATIENCE = 2.0  # seconds a gap in the delivery numbers may last before a SYNC


@dataclass
class Ledger:
    """Every acknowledged message and who must receive it, and what each user received."""

    expected: dict[int, frozenset[int]] = field(default_factory=dict)
    received: dict[int, set[int]] = field(default_factory=dict)
    attempted: int = 0
    duplicates: int = 0
    syncs: int = 0
    reconnects: int = 0
    refusals: dict[int, int] = field(default_factory=dict)

    def missing(self) -> list[tuple[int, int]]:
        """(mid, user) for each acknowledged message a recipient has not received."""
        return [
            (mid, uid)
            for mid, users in self.expected.items()
            for uid in users
            if mid not in self.received.get(uid, set())
        ]

    def summary(self, unacked: int) -> dict[str, int]:
        deliveries = sum(len(users) for users in self.expected.values())
        lost = len(self.missing())
        return {
            "sent": self.attempted,
            "acknowledged": len(self.expected),
            "unacknowledged": unacked,
            "deliveries_expected": deliveries,
            "received": deliveries - lost,
            "lost": lost,
            "duplicates_suppressed": self.duplicates,
            "syncs": self.syncs,
            "reconnects": self.reconnects,
        }


class Refused(Exception):
    """The server refused the login; try again shortly."""


class ChaosClient:
    """One user of a chaos run, connected through the load balancer."""

    def __init__(self, user_id: int, port: int, ledger: Ledger) -> None:
        self.user_id = user_id
        self.port = port
        self.ledger = ledger
        self.acked = 0
        self.token: str | None = None
        self.last = 0
        self.above: set[int] = set()
        self.gap_since: float | None = None
        self.outbox: dict[str, tuple[dict[str, Any], frozenset[int]]] = {}
        self.sent_at: dict[str, float] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._numbers = itertools.count()
        ledger.received.setdefault(user_id, set())

    # --- what the run asks of it ---------------------------------------------------

    def send(self, to: int | None, group: int | None, recipients: frozenset[int]) -> None:
        """Queues a message (to a user, or to a group) and sends it if connected."""
        cid = f"{self.user_id}-{next(self._numbers)}"
        body: dict[str, Any] = {"msg": f"chaos {cid}", "cid": cid, "rid": cid}
        if group is not None:
            body.update(msgid=MsgId.GROUP_CHAT, groupid=group)
        else:
            body.update(msgid=MsgId.ONE_CHAT, toid=to)
        self.outbox[cid] = (body, recipients)
        self.ledger.attempted += 1
        self._write(body, cid)

    async def run(self, stop: asyncio.Event) -> None:
        """Stays connected until `stop`, reconnecting after any failure."""
        delay = 0.05
        while not stop.is_set():
            try:
                await self._session(stop)
                delay = 0.05
            except (OSError, ConnectionError, TimeoutError, Refused, ValueError):
                self.ledger.reconnects += 1
            finally:
                if self._writer is not None:
                    self._writer.close()
                    self._writer = None
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay * (0.5 + random.random())):
                    await stop.wait()
            delay = min(delay * 2, 1.0)

    # --- one connection ------------------------------------------------------------

    async def _session(self, stop: asyncio.Event) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        splitter = FrameSplitter(1 << 24)
        login: dict[str, Any] = {"msgid": MsgId.LOGIN, "v": 2, "last": self.last, "rid": "login"}
        if self.token:
            login["token"] = self.token
        else:
            login.update(id=self.user_id, password="pw")
        writer.write(orjson.dumps(login) + b"\n")
        pending: list[dict[str, Any]] = []
        async with asyncio.timeout(10):
            ack = await _next(reader, splitter, pending, lambda o: o.get("rid") == "login")
        if ack["errno"]:
            if ack["errno"] == Errno.BAD_CREDENTIALS:
                self.token = None  # spent or lost with a restarted database: use the password
            raise Refused(ack)
        self.token = ack.get("token")
        self._writer = writer
        self.acked = 0  # tell this connection's server what we hold
        self._receive(ack["offlinemsg"])
        for item in pending:
            self._handle(item)
        for cid, (body, _) in list(self.outbox.items()):
            self._write(body, cid)
        tick = asyncio.get_running_loop().create_task(self._tick(stop))
        try:
            while not stop.is_set():
                data = await reader.read(65536)
                if not data:
                    raise ConnectionError("closed by the server")
                for frame in splitter.feed(data):
                    self._handle(orjson.loads(frame))
                self._acknowledge()
        finally:
            tick.cancel()

    async def _tick(self, stop: asyncio.Event) -> None:
        """Re-sends what waits too long for its ACK, and asks again across lasting gaps."""
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            await asyncio.sleep(0.5)
            now = loop.time()
            for cid, (body, _) in list(self.outbox.items()):
                if now - self.sent_at.get(cid, 0) > RESEND_AFTER:
                    self._write(body, cid)
            if self.gap_since is not None and now - self.gap_since > GAP_PATIENCE:
                self.ledger.syncs += 1
                self.gap_since = now
                self._write({"msgid": MsgId.SYNC, "last": self.last, "rid": "sync"}, None)
            self._write({"msgid": MsgId.PING}, None)

    def _write(self, body: dict[str, Any], cid: str | None) -> None:
        if self._writer is None or self._writer.is_closing():
            return
        if cid is not None:
            self.sent_at[cid] = asyncio.get_running_loop().time()
        self._writer.write(orjson.dumps(body) + b"\n")

    # --- what comes in -------------------------------------------------------------

    def _handle(self, obj: dict[str, Any]) -> None:
        msgid = obj.get("msgid")
        if msgid in (MsgId.ONE_CHAT, MsgId.GROUP_CHAT):
            self._receive([obj])
        elif msgid == MsgId.ACK and obj.get("re") in (MsgId.ONE_CHAT, MsgId.GROUP_CHAT):
            entry = self.outbox.pop(str(obj.get("rid")), None)
            if entry is not None:
                self.ledger.expected[int(obj["mid"])] = entry[1]
        elif msgid == MsgId.ACK and obj.get("re") == MsgId.SYNC:
            self._receive(obj["messages"])
        elif msgid == MsgId.ERROR:
            errno = int(obj.get("errno", 0))
            self.ledger.refusals[errno] = self.ledger.refusals.get(errno, 0) + 1
            # A refused chat stays in the outbox: the tick sends it again.

    def _receive(self, messages: list[dict[str, Any]]) -> None:
        seen = self.ledger.received[self.user_id]
        for message in messages:
            mid, seq = int(message["mid"]), int(message.get("seq", 0))
            if mid in seen:
                self.ledger.duplicates += 1
            seen.add(mid)
            if seq > self.last:
                self.above.add(seq)
        while self.last + 1 in self.above:
            self.last += 1
            self.above.discard(self.last)
        loop = asyncio.get_running_loop()
        self.gap_since = (self.gap_since or loop.time()) if self.above else None

    def _acknowledge(self) -> None:
        if self.last > self.acked and self._writer is not None:
            self.acked = self.last
            self._write({"msgid": MsgId.DELIVERED, "seq": self.last}, None)


async def _next(
    reader: asyncio.StreamReader,
    splitter: FrameSplitter,
    skipped: list[dict[str, Any]],
    wanted: Any,
) -> dict[str, Any]:
    """The first object that `wanted` accepts; every other one read goes to `skipped`."""
    found: dict[str, Any] | None = None
    while found is None:
        data = await reader.read(65536)
        if not data:
            raise ConnectionError("closed by the server")
        for frame in splitter.feed(data):
            obj = orjson.loads(frame)
            if found is None and wanted(obj):
                found = obj
            else:
                skipped.append(obj)
    return found
