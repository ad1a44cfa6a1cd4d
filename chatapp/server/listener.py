"""Listener: accepts connections itself, so that a failed accept is logged with its reason,
and admits each to a Session within the connection limits."""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
import ssl
from typing import TYPE_CHECKING, Any

from chatapp.protocol import Errno, Error

from .logs import context_of
from .reports import Report
from .session import Session
from .sockets import listening

if TYPE_CHECKING:
    from .app import ChatServer

log = logging.getLogger(__name__)

# File descriptors the server needs besides its connections: listeners, storage, the bus,
# the event loop's own, logs.
SPARE_FDS = 100
# Seconds a listener rests after an accept failed (out of file descriptors, say): the
# connection waits in the backlog meanwhile, and connections closing free descriptors.
ACCEPT_PAUSE = 0.5


class Listener:
    """The listening sockets. uvloop (libuv) would accept and close at once, unlogged, a
    connection it has no descriptor for, and stop listening for good, unlogged, on other
    accept errors; asyncio logs each failure with a traceback. Here each failure is logged
    once per interval with its reason, and accepting resumes after a pause."""

    def __init__(self, server: ChatServer) -> None:
        self.server = server
        self.sockets: list[socket.socket] = []
        self._tls: ssl.SSLContext | None = None
        self._opening: set[asyncio.Task[Any]] = set()
        self._refused = Report(log, "connection refused: the server is at capacity (errno 16)")
        self._failed = Report(log, "accept failed: the connection waits in the backlog")

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        return int(self.sockets[0].getsockname()[1])

    async def start(self, tls: ssl.SSLContext | None) -> None:
        config = self.server.config
        self._tls = tls
        _raise_open_file_limit(config.max_connections)
        self.sockets = await listening(
            config.host, config.port, config.backlog, reuse_port=config.workers > 1
        )
        loop = asyncio.get_running_loop()
        for sock in self.sockets:
            loop.add_reader(sock.fileno(), self._accept, sock)

    def close(self) -> None:
        """Stops accepting; connections being opened (in a TLS handshake) are dropped."""
        loop = asyncio.get_running_loop()
        for sock in self.sockets:
            loop.remove_reader(sock.fileno())
            sock.close()
        self.sockets = []
        for task in self._opening:
            task.cancel()
        self._refused.close()
        self._failed.close()

    def admit(self, session: Session) -> bool:
        """False, and the connection told (ERROR errno 16) and closed, when the server has
        as many connections, or connections not logged in, as it may."""
        server, config = self.server, self.server.config
        count = len(server.sessions)
        if 0 < config.max_connections <= count:
            why, held = "too many connections", f"{count} open"
        elif 0 < config.max_anonymous <= count - server.logged_in:
            why, held = "too many connections not logged in", f"{count - server.logged_in}"
        else:
            return True
        self._refused(f"{session.peer}: {why} ({held})")  # the summary names the last
        session.send(Error(Errno.BUSY, f"server busy, {why}: retry later"))
        session.close()
        return False

    def _accept(self, listener: socket.socket) -> None:
        for _ in range(self.server.config.backlog):  # then other work has its turn
            try:
                sock, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue  # the client gave up while it waited
            except OSError as exc:
                self._rest(listener, exc)
                return
            self._open(sock)

    def _rest(self, listener: socket.socket, exc: OSError) -> None:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        count = len(self.server.sessions) + len(self._opening)
        self._failed(f"{exc.strerror} (errno {exc.errno}); {count} connections open, "
                     f"open-file limit {soft}")  # fmt: skip
        loop = asyncio.get_running_loop()
        loop.remove_reader(listener.fileno())
        loop.call_later(ACCEPT_PAUSE, self._resume, listener)

    def _resume(self, listener: socket.socket) -> None:
        if listener in self.sockets:
            asyncio.get_running_loop().add_reader(listener.fileno(), self._accept, listener)

    def _open(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        tls, timeout = self._tls, self.server.config.tls_handshake_timeout
        session = Session(self.server)
        opening = loop.connect_accepted_socket(
            lambda: session, sock, ssl=tls,
            ssl_handshake_timeout=timeout if tls is not None else None,
        )  # fmt: skip
        # The transport is made in this task's context and runs every callback of the
        # connection in a copy of it (asyncio and uvloop alike), so each of its log lines
        # names it, and every task it starts inherits that.
        task = loop.create_task(opening, context=context_of(session))
        self._opening.add(task)
        task.add_done_callback(self._opened)

    def _opened(self, task: asyncio.Task[Any]) -> None:
        self._opening.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            # A TLS handshake that failed or timed out, a client that reset: the socket
            # is closed, and nobody else has seen it.
            log.debug("a connection failed while it opened: %r", exc)


def _raise_open_file_limit(max_connections: int) -> None:
    """Raises the soft limit on open files to what --max-connections needs, within the hard
    limit (systemd's LimitNOFILE), and warns when even that is too low."""
    if max_connections <= 0:
        return
    want = max_connections + SPARE_FDS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    unlimited = resource.RLIM_INFINITY
    if soft != unlimited and soft < want:
        raised = want if hard == unlimited else min(want, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError) as exc:
            log.debug("cannot raise the open-file limit: %s", exc)
    if soft != unlimited and soft < want:
        log.warning(
            "the open-file limit (%d) is below --max-connections (%d) plus %d for the "
            "server's own files: accepts beyond it fail (logged); raise LimitNOFILE or "
            "lower --max-connections",
            soft,
            max_connections,
            SPARE_FDS,
        )
