"""ChatServer: start, serve, shutdown; the wiring of config, storage, bus and sessions."""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Callable, Coroutine
from typing import Any

from chatapp.protocol import Dialect, Errno, Error

from .bus import DOORBELL, Bus, open_bus
from .config import Config
from .directory import GroupDirectory, KnownUsers
from .fanout import Fanout
from .handlers import leave
from .ids import MessageIds
from .journal import Journal
from .limits import LoginGuard
from .passwords import hash_password
from .session import Session
from .sockets import no_delay
from .storage import Storage, open_storage

log = logging.getLogger(__name__)


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
        self.ids = MessageIds(self.now_ms, node=0)
        self.groups = GroupDirectory(self.storage)
        self.users = KnownUsers(self.storage)
        self.journal = Journal(self.storage)
        self.fanout = Fanout(self.journal, self.bus)
        self.sessions: set[Session] = set()
        # Verified against when a login names an unknown account (see handlers.login).
        self.decoy_hash = hash_password("decoy", config.hash_cost)
        self.logins = LoginGuard(
            config.login_failures,
            config.login_address_failures,
            config.login_window,
            time.monotonic,
        )
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._stamp_second = -1
        self._stamp_text = ""

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        assert self._server is not None, "server not started"
        sockets = self._server.sockets
        return int(sockets[0].getsockname()[1])

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def stamp(self) -> tuple[str, int, int]:
        """The server time of a new message: local `YYYY-MM-DD HH:MM:SS`, its id, epoch ms."""
        now = self.clock()
        second = int(now)
        if second != self._stamp_second:  # formatting costs more than the rest: once a second
            self._stamp_second = second
            self._stamp_text = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        return self._stamp_text, self.ids.next(), int(now * 1000)

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
        tls = tls_context(self.config)  # a bad certificate stops the start before anything
        await self.storage.open()
        await self.bus.start(self)
        # Message ids are primary keys in the shared log: each live instance has its node.
        self.ids = MessageIds(self.now_ms, node=self.bus.node)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: Session(self),
            self.config.host,
            self.config.port,
            backlog=self.config.backlog,
            reuse_address=True,
            ssl=tls,
            ssl_handshake_timeout=self.config.tls_handshake_timeout if tls else None,
        )
        for sock in self._server.sockets:
            no_delay(sock)
        self._sweeper = loop.create_task(self._sweep_idle())
        log.info(
            "chatapp-server listening on %s:%d%s (storage %s, bus %s)",
            self.config.host,
            self.port,
            " with TLS" if tls else "",
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
        results = await asyncio.gather(*(leave(s) for s in sessions), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                log.warning("logging a user out during shutdown failed: %s", result)
        for session in sessions:
            session.close()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self.config.shutdown_grace)
        await self.journal.drain()
        await self.bus.close()
        await self.storage.close()
        log.info("chatapp-server stopped")

    # --- connections that went quiet ------------------------------------------------

    async def _sweep_idle(self) -> None:
        limit, login = self.config.idle_timeout, self.config.login_timeout
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(5.0, *(t / 3 for t in (limit, login) if t > 0)))
            now = loop.time()
            for session in list(self.sessions):
                if 0 < login < now - session.anonymous_since and session.user is None:
                    log.info("%s: no login within %g s: closing", session.peer, login)
                    session.send(Error(Errno.NOT_LOGGED_IN, f"log in within {login:g} s"))
                    session.close()
                    continue
                # Legacy clients cannot PING; TCP keepalive finds their dead peers. Before
                # a login the deadline above applies, not this.
                pings = session.user is not None and session.dialect is not Dialect.LEGACY
                if 0 < limit < now - session.last_heard and pings:
                    log.info("%s: silent for %.0f s: closing", session.peer, limit)
                    session.close()

    # --- what the bus tells this instance (BusListener) ------------------------------

    def group_changed(self, group_id: int) -> None:
        """Another instance changed the group: read its members again when next needed."""
        self.groups.forget(group_id)

    def resumed(self, user_ids: list[int]) -> None:
        """The bus was cut off: deliveries and group changes may have gone unheard."""
        self.groups.clear()
        for session in self._sessions_of(user_ids):
            if session.mailbox is not None:
                session.mailbox.deliver(DOORBELL)

    def evicted(self, user_ids: list[int]) -> None:
        """These users logged in elsewhere while the bus was cut off: end them here."""
        for session in self._sessions_of(user_ids):
            log.warning("%s: logged in on another instance meanwhile: closing", session.peer)
            session.close()

    def _sessions_of(self, user_ids: list[int]) -> list[Session]:
        wanted = set(user_ids)
        return [s for s in self.sessions if s.user is not None and s.user.id in wanted]


def tls_context(config: Config) -> ssl.SSLContext | None:
    """The server's TLS context (TLS 1.2 or newer), or None to listen in plain TCP."""
    cert, key = config.tls_cert, config.tls_key
    if not cert and not key:
        return None
    if not cert or not key:
        raise ValueError("--tls-cert and --tls-key go together: give both or neither")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"cannot load TLS certificate {cert} with key {key}: {exc}") from exc
    return context


def _redact(url: str) -> str:
    """A URL fit for a log: the password replaced by ***."""
    head, sep, tail = url.partition("://")
    if "@" not in tail:
        return url
    credentials, _, host = tail.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{head}{sep}{user}:***@{host}" if ":" in credentials else url
