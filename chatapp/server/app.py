"""ChatServer: start, serve, shutdown; the wiring of config, storage, bus and sessions."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable, Coroutine
from typing import Any

from chatapp.protocol import ChatMessage, Dialect, GroupMessage

from .bus import DOORBELL, Bus, Delivery, open_bus
from .config import Config
from .groups import GroupDirectory
from .ids import MessageIds
from .passwords import hash_password
from .session import Session
from .storage import Storage, open_storage

log = logging.getLogger(__name__)

# How long shutdown waits for connections to finish their last request.
SHUTDOWN_GRACE_SECONDS = 5.0


class ChatServer:
    """One server instance. `start()` listens, `shutdown()` drains and releases everything."""

    def __init__(
        self,
        config: Config,
        *,
        storage: Storage | None = None,
        bus: Bus | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.storage = storage if storage is not None else open_storage(config.storage)
        self.bus = bus if bus is not None else open_bus(config.bus)
        self.clock = clock
        self.ids = MessageIds(lambda: int(clock() * 1000))
        self.groups = GroupDirectory(self.storage)
        self.sessions: set[Session] = set()
        # Verified against when a login names an unknown account (see handlers.login).
        self.decoy_hash = hash_password("decoy", config.hash_cost)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        assert self._server is not None, "server not started"
        sockets = self._server.sockets
        return int(sockets[0].getsockname()[1])

    def stamp(self) -> tuple[str, int, int]:
        """The server time of a new message: local `YYYY-MM-DD HH:MM:SS`, its id, epoch ms."""
        now = self.clock()
        text = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
        return text, self.ids.next(), int(now * 1000)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Runs background work that shutdown waits for; its failure is logged, not lost."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception())

    async def start(self) -> None:
        """Opens storage and bus, then listens; connections are served once this returns."""
        await self.storage.open()
        await self.bus.start(self)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: Session(self),
            self.config.host,
            self.config.port,
            backlog=self.config.backlog,
            reuse_address=True,
        )
        for sock in self._server.sockets:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sweeper = loop.create_task(self._sweep_idle())
        log.info(
            "chatapp-server listening on %s:%d (storage %s, bus %s)",
            self.config.host,
            self.port,
            _redact(self.config.storage),
            _redact(self.config.bus),
        )

    async def shutdown(self) -> None:
        """Stops accepting, logs out this instance's users (only these), closes, releases."""
        if self._server is not None:
            self._server.close()
        if self._sweeper is not None:
            self._sweeper.cancel()
        sessions = list(self.sessions)
        results = await asyncio.gather(*(s.leave() for s in sessions), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                log.warning("logging a user out during shutdown failed: %s", result)
        for session in sessions:
            session.close()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=SHUTDOWN_GRACE_SECONDS)
        await self.bus.close()
        await self.storage.close()
        log.info("chatapp-server stopped")

    # --- connections that went quiet ------------------------------------------------

    async def _sweep_idle(self) -> None:
        limit = self.config.idle_timeout
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(5.0, limit / 3))
            deadline = loop.time() - limit
            for session in list(self.sessions):
                # Legacy clients cannot PING; TCP keepalive finds their dead peers.
                pings = session.user is None or session.dialect is not Dialect.LEGACY
                if pings and session.last_heard < deadline:
                    log.info("%s: silent for %.0f s: closing", session.peer, limit)
                    session.close()

    # --- what the bus tells this instance (BusListener) ------------------------------

    def undeliverable(self, user_id: int, delivery: Delivery) -> None:
        """A chat reached this instance after its user left: store it for their next login."""
        if isinstance(delivery, ChatMessage | GroupMessage):
            self.spawn(self._store_late(user_id, delivery))

    async def _store_late(self, user_id: int, message: ChatMessage | GroupMessage) -> None:
        await self.storage.store_offline([user_id], message)
        # The user may already be logged in elsewhere: ring there.
        await self.bus.publish(user_id, DOORBELL)

    def group_changed(self, group_id: int) -> None:
        """Another instance changed the group: read its members again when next needed."""
        self.groups.forget(group_id)

    def resumed(self, user_ids: list[int]) -> None:
        """The bus was cut off: deliveries may have been stored meanwhile, so look."""
        wanted = set(user_ids)
        for session in list(self.sessions):
            if session.user is not None and session.user.id in wanted:
                session.deliver(DOORBELL)

    def evicted(self, user_ids: list[int]) -> None:
        """These users logged in elsewhere while the bus was cut off: end them here."""
        wanted = set(user_ids)
        for session in list(self.sessions):
            if session.user is not None and session.user.id in wanted:
                log.warning(
                    "%s: user %d logged in elsewhere: closing", session.peer, session.user.id
                )
                session.close()


def _redact(url: str) -> str:
    """A URL fit for a log: the password replaced by ***."""
    head, sep, tail = url.partition("://")
    if "@" not in tail:
        return url
    credentials, _, host = tail.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{head}{sep}{user}:***@{host}" if ":" in credentials else url
