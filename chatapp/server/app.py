"""ChatServer: start, serve, shutdown; the wiring of config, storage, bus and sessions."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from chatapp.protocol import Dialect

from .budget import OutboundBudget
from .bus import DOORBELL, Bus, open_bus
from .config import Config
from .directory import GroupDirectory, KnownUsers
from .drain import Draining
from .fanout import Fanout
from .handlers import leave
from .hashing import HashQueue
from .ids import Stamps
from .journal import Journal
from .limits import LoginGuard, RegistrationGuard
from .listener import Listener
from .logs import about, context_of
from .passwords import hash_password
from .probes import Probes
from .session import Session
from .sockets import tls_context
from .storage import Storage, open_storage
from .sweeper import sweep_ended, sweep_idle
from .tally import Tally
from .text import skeleton
from .ties import TieDirectory

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
        self.stamps = Stamps(clock, node=0)
        self.groups = GroupDirectory(self.storage)
        self.users = KnownUsers(self.storage)
        self.ties = TieDirectory(self.storage, self.bus, config.ties_cached)
        self.journal = Journal(
            self.storage,
            now_ms=self.now_ms,
            retention_ms=int(config.device_retention * 1000),
        )
        self.fanout = Fanout(self.journal, self.bus)
        self.sessions: set[Session] = set()
        self.tally = Tally()
        self.stopping = False  # shutdown has begun: /readyz turns new connections away
        self.draining: Draining | None = None  # the drain before a shutdown, once begun
        self.logged_in = 0  # sessions with a login: the rest of `sessions` are anonymous
        self.resuming: set[str] = set()  # hashes of the resume tokens of logins under way
        self.listener = Listener(self)
        self.budget = OutboundBudget(config.max_outbound_bytes, config.max_outbound_total)
        self.hashing = HashQueue(config.hash_threads, config.hash_queue)
        self.registrations = RegistrationGuard(
            config.register_per_address, config.register_window, time.monotonic
        )
        # Verified against when a login names an unknown account (see handlers.login).
        self.decoy_hash = hash_password("decoy", config.hash_cost)
        self.logins = LoginGuard(
            config.login_failures,
            config.login_address_failures,
            config.login_window,
            time.monotonic,
        )
        self.probes = Probes(self)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._ended: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        return self.listener.port

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def spawn(self, coro: Coroutine[Any, Any, None], of: Session | None = None) -> None:
        """Runs background work that shutdown waits for; its failure is logged, not lost.
        With `of`, its lines are that connection's, whichever connection started it."""
        context = context_of(of) if of is not None else None
        task = asyncio.get_running_loop().create_task(coro, context=context)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception())

    async def start(self) -> None:
        """Opens storage and bus, then listens; connections are served once this returns."""
        tls = tls_context(self.config)  # a bad certificate stops the start before anything
        metrics = self.probes.address()  # and so does a bad --metrics
        await self.storage.open()
        # Names from before the storage kept skeletons (migration 004) get theirs.
        if claimed := await self.storage.claim_skeletons(skeleton):
            log.info("recorded the confusable skeletons of %d names", claimed)
        await self.bus.start(self)
        # Message ids are primary keys in the shared log: each live instance has its node.
        self.stamps = Stamps(self.clock, node=self.bus.node)
        if metrics is not None:
            await self.probes.start(metrics)
        await self.listener.start(tls)
        loop = asyncio.get_running_loop()
        self._sweeper = loop.create_task(sweep_idle(self))
        self._ended = loop.create_task(sweep_ended(self))
        log.info(
            "chatapp-server listening on %s:%d%s (storage %s, bus %s)",
            self.config.host,
            self.port,
            " with TLS" if tls else "",
            _redact(self.config.storage),
            _redact(self.config.bus),
        )

    async def drain(self) -> None:
        """Before a shutdown: stops accepting (/readyz says draining), tells each current
        client to log in again elsewhere (DRAIN), serves them meanwhile, and returns once
        they have gone or --drain-timeout is up; `cut_drain()` ends the wait sooner."""
        if self.draining is not None or self.stopping or self.config.drain_timeout <= 0:
            return
        self.draining = Draining(self, self.config.drain_timeout)
        self.listener.close()
        await self.draining.run()

    def cut_drain(self) -> None:
        """Ends a drain's wait now: the shutdown closes whoever is left."""
        if self.draining is not None:
            self.draining.cut()

    async def shutdown(self) -> None:
        """Stops accepting, logs out this instance's users (only these), closes, releases;
        /readyz says so from the start, and the probes stop last."""
        self.stopping = True
        self.listener.close()
        for task in (self._sweeper, self._ended):
            if task is not None:
                task.cancel()
        sessions = list(self.sessions)
        loop = asyncio.get_running_loop()
        leaving = [loop.create_task(leave(s), context=context_of(s)) for s in sessions]
        results = await asyncio.gather(*leaving, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                log.warning("logging a user out during shutdown failed: %s", result)
        for session in sessions:
            session.close()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self.config.shutdown_grace)
        await self.journal.drain()
        self.hashing.close()
        self.budget.close()
        await self.bus.close()
        await self.storage.close()
        self.probes.close()
        log.info("chatapp-server stopped")

    # --- what the bus tells this instance (BusListener) ------------------------------

    def group_changed(self, group_id: int) -> None:
        """Another instance changed the group: read its members again when next needed."""
        self.groups.forget(group_id)

    def ties_changed(self, user_id: int) -> None:
        """Another instance changed the user's blocks, accepted senders or strangers
        setting: read them again when next needed."""
        self.ties.forget(user_id)

    def resumed(self, user_ids: list[int]) -> None:
        """The bus was cut off: deliveries and group or ties changes may have gone unheard."""
        self.groups.clear()
        self.ties.clear()
        for session in self._sessions_of(user_ids):
            if session.mailbox is not None:
                session.mailbox.deliver(DOORBELL)

    def evicted(self, user_ids: list[int]) -> None:
        """These users' legacy sessions here lost their claim while the bus was cut off,
        and the users logged in elsewhere meanwhile: end those sessions."""
        for session in self._sessions_of(user_ids):
            if session.dialect is not Dialect.LEGACY:
                continue
            with about(session):
                log.warning("logged in on another instance meanwhile: closing")
            session.close()

    def _sessions_of(self, user_ids: list[int]) -> list[Session]:
        wanted = set(user_ids)
        return [s for s in self.sessions if s.user is not None and s.user.id in wanted]


def _redact(url: str) -> str:
    """A URL fit for a log: the password replaced by ***."""
    head, sep, tail = url.partition("://")
    if "@" not in tail:
        return url
    credentials, _, host = tail.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{head}{sep}{user}:***@{host}" if ":" in credentials else url
