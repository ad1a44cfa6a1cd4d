"""Users chatting through the lab's proxy while links fail, audited: every acknowledged
message must reach each device it was meant for exactly once (chaosclient's Ledger).

Each user is chatapp-client's own Connection (chaosclient.ChaosUser), which reconnects,
resumes with its token and sends again by cid by itself; here it pings every second and
gives a request two seconds, so that a dead link is found within a few seconds.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from chatapp.client.net import LinkState
from chatapp.tools.chaos import _populate
from chatapp.tools.chaosclient import ChaosUser, Ledger, Sink

PING, TIMEOUT = 1.0, 2.0


class Chatters:
    """`users` users, one device each, in one group, on the proxy at `port`."""

    def __init__(self, port: int, users: int = 6, seed: int = 1) -> None:
        self.port, self.count = port, users
        self.ledger = Ledger()
        self.clients: list[ChaosUser] = []
        self.random = random.Random(seed)
        self.group = 0
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        ids, self.group = await _populate(self.port, self.count)
        for uid in ids:
            user = ChaosUser(uid, self.port, self.ledger)
            user.conn.ping_interval, user.conn.request_timeout = PING, TIMEOUT
            self.clients.append(user)
        self._tasks = [asyncio.create_task(c.run(self._stop)) for c in self.clients]
        async with asyncio.timeout(30):
            await asyncio.gather(*(c.logged_in.wait() for c in self.clients))

    async def chat(self, seconds: float, rate: float = 10.0) -> None:
        """Sends at `rate` a second for `seconds`: mostly one-to-one, some to the group."""
        ids = [c.user_id for c in self.clients]
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            sender = self.random.choice(self.clients)
            if self.random.random() < 0.2:
                others = frozenset((uid, 0) for uid in ids if uid != sender.user_id)
                sender.send(None, self.group, others)
            else:
                to = self.random.choice([uid for uid in ids if uid != sender.user_id])
                sender.send(to, None, frozenset({(to, 0)}))
            await asyncio.sleep(1.0 / rate)  # the pace of the load, not a wait for anything

    def online(self) -> int:
        return sum(1 for c in self.clients if c.conn.state is LinkState.ONLINE)

    async def all_online(self, timeout: float = 30.0) -> None:
        async with asyncio.timeout(timeout):
            while self.online() < len(self.clients):
                await asyncio.sleep(0.05)

    async def settled(self, timeout: float = 40.0) -> None:
        """Waits until every message was acknowledged and every delivery made."""
        async with asyncio.timeout(timeout):
            while any(c.outbox for c in self.clients) or self.ledger.missing():
                await asyncio.sleep(0.05)

    def summary(self) -> dict[str, Any]:
        unacked = sum(len(c.outbox) for c in self.clients)
        return {**self.ledger.summary(unacked), "refusals": dict(self.ledger.refusals)}

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class Offline:
    """How long users went without a session: sampled every 50 ms while it runs."""

    def __init__(self, chatters: Chatters) -> None:
        self.chatters = chatters
        self.since: dict[Sink, float] = {}
        self.longest = 0.0
        self.users_cut = 0
        self._task: asyncio.Task[None] | None = None

    def __enter__(self) -> Offline:
        self._task = asyncio.create_task(self._watch())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _watch(self) -> None:
        while True:
            now = time.monotonic()
            for client in self.chatters.clients:
                if client.conn.state is not LinkState.ONLINE:
                    if client.sink not in self.since:
                        self.users_cut += 1
                    self.since.setdefault(client.sink, now)
                elif (began := self.since.pop(client.sink, None)) is not None:
                    self.longest = max(self.longest, now - began)
            await asyncio.sleep(0.05)  # sampling, not waiting
