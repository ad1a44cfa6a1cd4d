"""Session: one client connection; frames in, requests handled in order, replies out."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable
from functools import partial
from typing import TYPE_CHECKING, cast

from chatapp.protocol import Dialect, Errno, Error, Event, ProtocolError, Request, ServerConnection

from .handlers import ROUTES, Route, leave
from .limits import RequestGate
from .mailbox import Mailbox
from .proxyheader import take_proxy_header
from .sockets import keepalive
from .storage import User

if TYPE_CHECKING:
    from .app import ChatServer

log = logging.getLogger(__name__)

# Reading pauses while this many frames wait, so a flooding client cannot grow memory.
MAX_QUEUED_FRAMES = 256


class Session(asyncio.Protocol):
    """The only code that writes to a client. Handlers return replies; this sends them.

    Requests are handled one at a time, on the spot where a handler can answer at once;
    one that must wait (for the log, storage, the bus) holds the rest back until its reply
    is out, so replies keep the order of requests.
    """

    # Slots, and the frame queue and write-pause event made only when needed: an idle
    # logged-in connection is mostly this object, and servers hold tens of thousands.
    __slots__ = (
        "_frames", "_paused", "_proxy_header_due", "_transport", "_waiting", "_writable",
        "anonymous_since", "conn", "friend_ids", "gate", "host", "last_heard", "mailbox",
        "peer", "server", "token_hash", "user",
    )  # fmt: skip

    def __init__(self, server: ChatServer) -> None:
        self.server = server
        config = server.config
        self.conn = ServerConnection(config.max_frame)
        self.user: User | None = None
        self.mailbox: Mailbox | None = None  # the deliveries of a login
        self.friend_ids: set[int] = set()
        self.token_hash: str | None = None
        self.peer = self.host = "?"
        clock = asyncio.get_running_loop().time
        self.gate = RequestGate(config.rate_limit, config.rate_burst, config.rate_strikes, clock)
        self._transport: asyncio.Transport | None = None
        self._frames: deque[bytes] | None = None
        self._waiting: asyncio.Future[Event | None] | None = None  # the reply being waited for
        self._paused = False
        self._writable: asyncio.Event | None = None  # made when the transport first pauses
        self._proxy_header_due = config.proxy_protocol
        self.last_heard = 0.0
        # Loop time since which the connection has had no login: connected or logged out.
        self.anonymous_since = 0.0

    @property
    def dialect(self) -> Dialect:
        return self.conn.dialect

    @property
    def alive(self) -> bool:
        """The connection is open: what is sent now reaches the client unless it dies."""
        return self._transport is not None and not self._transport.is_closing()

    # --- transport callbacks -------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, but implement it.
        self._transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.host = str(peer[0]) if isinstance(peer, tuple) else self.peer
        self.last_heard = self.anonymous_since = asyncio.get_running_loop().time()
        keepalive(transport.get_extra_info("socket"))
        self.server.sessions.add(self)

    def data_received(self, data: bytes) -> None:
        self.last_heard = asyncio.get_running_loop().time()
        if frames := self.conn.receive(data):
            if self._frames is None:
                self._frames = deque(frames)
            else:
                self._frames.extend(frames)
        full = self.conn.overflowed or self._queued() >= MAX_QUEUED_FRAMES
        if full and not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()
        if self._waiting is None:
            self._work()

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = asyncio.Event()
        self._writable.clear()

    def resume_writing(self) -> None:
        if self._writable is not None:
            self._writable.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.resume_writing()  # a catch-up waiting to write sees the connection is gone
        self.server.sessions.discard(self)
        self._frames = None
        self._transport = None
        self.server.spawn(self._after_close())

    # --- requests, in order ----------------------------------------------------------

    def _work(self) -> None:
        while self._frames and self._waiting is None:
            frame = self._frames.popleft()
            if not self._frames:
                self._frames = None  # an idle connection keeps no queue
            if self._proxy_header_due:
                self._proxy_header_due = False
                if not take_proxy_header(self, frame):
                    self._frames = None
                    return
                continue
            self._handle(frame)
            if self._paused and self._queued() < MAX_QUEUED_FRAMES // 2 and self.alive:
                self._paused = False
                cast(asyncio.Transport, self._transport).resume_reading()
        if self._waiting is None and self.conn.overflowed and self._transport is not None:
            self.send(self.conn.too_large())
            self.close()

    def _handle(self, frame: bytes) -> None:
        try:
            request = self.conn.request(frame)
        except ProtocolError as exc:
            if self.gate.admit(1.0):
                self.send(Error(exc.errno, exc.errmsg, re=exc.msgid, rid=exc.rid))
            else:
                slow_down = self.gate.refusal()
                self._refused(Error(Errno.RATE_LIMITED, slow_down, exc.msgid, exc.rid))
            return
        route = ROUTES[type(request)]
        if not self.gate.admit(route.cost):
            self._refused(route.refusal(request, Errno.RATE_LIMITED, self.gate.refusal()), request)
            return
        reply = route.run(self, request)
        if isinstance(reply, Awaitable):  # a future is waited for as it is, a coroutine as a task
            self._waiting = waiting = asyncio.ensure_future(reply)
            waiting.add_done_callback(partial(self._answered, request, route))
        else:
            self._answer(request, reply)

    def _answered(self, request: Request, route: Route, done: asyncio.Future[Event | None]) -> None:
        self._waiting = None
        self._answer(request, route.outcome(self.peer, request, done))
        self._work()

    def _answer(self, request: Request, reply: Event | None) -> None:
        if reply is not None:  # DELIVERED is the one request without a reply
            self._write(self.conn.reply(request, reply))
        if self.mailbox is not None and self.mailbox.holding:
            self.mailbox.release()  # the login ack is out: deliveries may follow

    def _refused(self, refusal: Event, request: Request | None = None) -> None:
        """Sends a rate-limit refusal; a client that goes on regardless is cut off."""
        self._write(self.conn.reply(request, refusal) if request else self.conn.push(refusal))
        if self.gate.exhausted:
            strikes = self.gate.max_strikes
            log.warning("%s: %d requests refused in a row: disconnecting", self.peer, strikes)
            self._frames = None
            self.close()

    # --- outgoing ------------------------------------------------------------------

    def send(self, event: Event) -> None:
        """Writes an event the server sends of its own accord, in the connection's dialect."""
        self._write(self.conn.push(event))

    def _write(self, data: bytes | None) -> None:
        """A client that stops reading is cut off at the outbound limit."""
        transport = self._transport
        if data is None or transport is None or transport.is_closing():
            return
        transport.write(data)
        if transport.get_write_buffer_size() > self.server.config.max_outbound_bytes:
            log.warning("%s: not reading, outbound limit reached: disconnecting", self.peer)
            transport.abort()

    async def drained(self) -> None:
        """Returns once the client has read enough of what was written to take more."""
        if self._writable is not None:
            await self._writable.wait()

    # --- leaving -------------------------------------------------------------------

    async def _after_close(self) -> None:
        if self._waiting is not None:
            await asyncio.wait([self._waiting])
        await leave(self)

    def close(self) -> None:
        """Closes the connection once queued replies are written."""
        if self._transport is not None:
            self._transport.close()

    def _queued(self) -> int:
        return len(self._frames) if self._frames is not None else 0
