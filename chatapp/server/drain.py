"""Draining: an instance about to stop tells its current clients to move, and waits for them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from chatapp.protocol import Dialect, Drain

if TYPE_CHECKING:
    from .app import ChatServer
    from .session import Session

log = logging.getLogger(__name__)

# The hints spread the clients' logins elsewhere over up to this long (and over at most a
# quarter of the drain time), so that they do not all arrive at the other instances at once.
SPREAD_MS = 1000


class Draining:
    """Sends DRAIN to each logged-in current client, and to each that logs in meanwhile,
    then waits until all of them have closed their connections, the drain time is up, or
    `cut()` ends the wait. Meanwhile every connection is served as before: a client answered
    for what it sent leaves on its own. Legacy clients know no DRAIN: they stay, to be
    closed by the shutdown, and reconnect as after any restart."""

    def __init__(
        self, server: ChatServer, timeout: float, rand: Callable[[], float] = random.random
    ) -> None:
        self.server = server
        self.timeout = timeout
        self.spread_ms = int(min(SPREAD_MS, timeout * 250))
        self.told = 0
        self._rand = rand
        self._staying: set[Session] = set()
        self._changed = asyncio.Event()
        self._cut = False

    @property
    def remaining(self) -> int:
        """Clients told to move that have not gone yet."""
        return len(self._staying)

    def tell(self, session: Session) -> None:
        """Tells a logged-in current client to move, with its own jittered retry hint."""
        if session.user is None or session.dialect is not Dialect.V2 or not session.alive:
            return
        session.send(Drain(retry_ms=int(self.spread_ms * self._rand())))
        self._staying.add(session)
        self.told += 1

    def left(self, session: Session) -> None:
        """A connection closed."""
        if session in self._staying:
            self._staying.discard(session)
            self._changed.set()

    def cut(self) -> None:
        """Ends the wait now (a second signal)."""
        self._cut = True
        self._changed.set()

    async def run(self) -> None:
        for session in list(self.server.sessions):
            self.tell(session)
        log.info(
            "draining: %d current clients told to move; waiting up to %g s for them",
            self.told,
            self.timeout,
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        while self._staying and not self._cut and (left := deadline - loop.time()) > 0:
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(left):
                    await self._changed.wait()
        if self._staying:
            why = "the wait was cut short" if self._cut else "the drain time is up"
            log.warning("%s: %d clients told to move are still here", why, len(self._staying))
        else:
            log.info("drained: every current client told to move has gone")
