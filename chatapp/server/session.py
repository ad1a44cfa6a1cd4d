"""Session: one client connection's requests, handled in order, and its replies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from functools import partial
from typing import TYPE_CHECKING

from chatapp.protocol import Dialect, Errno, Error, Event, LoginAck, ProtocolError, Request

from .handlers import ROUTES, Route, leave
from .limits import RequestGate, TokenBucket
from .logs import CONNECTION
from .mailbox import Mailbox
from .proxyheader import take_proxy_header
from .storage import Device, User
from .transport import FramedTransport

if TYPE_CHECKING:
    from .app import ChatServer

log = logging.getLogger(__name__)


class Session(FramedTransport):
    """The only code that writes to a client. Handlers return replies; this sends them.

    Requests are handled one at a time, on the spot where a handler can answer at once;
    one that must wait (for the log, storage, the bus) holds the rest back until its reply
    is out, so replies keep the order of requests.
    """

    __slots__ = (
        "_proxy_header_due", "_waiting", "anonymous_since", "buckets", "device", "devices",
        "friend_ids", "gate", "mailbox", "server", "token_hash", "user",
    )  # fmt: skip

    def __init__(self, server: ChatServer) -> None:
        super().__init__(server.config, server.budget)
        self.server = server
        config = server.config
        self.user: User | None = None
        self.mailbox: Mailbox | None = None  # the deliveries of a login
        self.device: Device | None = None  # the device the login is, with its position
        # The account's devices: with more than one, the user's own chats are logged for
        # them too (carbons), so that every device shows the whole conversation.
        self.devices: set[int] = set()
        self.friend_ids: set[int] = set()
        self.token_hash: str | None = None
        clock = asyncio.get_running_loop().time
        limit, burst, strikes = config.rate_limit, config.rate_burst, config.rate_strikes
        # None where the server sets no rate limit.
        self.gate = RequestGate(limit, burst, strikes, clock) if limit > 0 else None
        # Rate limits of particular requests (handlers.people), made on first use.
        self.buckets: dict[str, TokenBucket] | None = None
        self._waiting: asyncio.Future[Event | None] | None = None  # the reply being waited for
        self._proxy_header_due = config.proxy_protocol
        # Loop time since which the connection has had no login: connected or logged out.
        self.anonymous_since = 0.0

    @property
    def dialect(self) -> Dialect:
        return self.conn.dialect

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        if not self.server.listener.admit(self):
            return
        self.anonymous_since = self.last_heard
        self.server.sessions.add(self)
        log.debug("connected")

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.mailbox is not None:
            self.mailbox.writable()

    def connection_lost(self, exc: Exception | None) -> None:
        # asyncio calls this in the context of whoever closed the connection (the sweeper,
        # another's write past the budget): the logout that follows is this one's.
        CONNECTION.set(self)
        log.debug("connection closed%s", f": {exc}" if exc is not None else "")
        super().connection_lost(exc)
        self.server.sessions.discard(self)
        if self.server.draining is not None:
            self.server.draining.left(self)
        self.server.spawn(self._after_close())

    async def _after_close(self) -> None:
        if self._waiting is not None:
            await asyncio.wait([self._waiting])
        await leave(self)

    # --- requests, in order ----------------------------------------------------------

    def _work(self) -> None:
        while self._waiting is None and self._frames and (frame := self._next_frame()):
            if self._proxy_header_due:
                self._proxy_header_due = False
                if not take_proxy_header(self, frame):
                    self._drop_frames()
                    return
                continue
            self._handle(frame)
        if self._waiting is None and self.conn.overflowed and self.alive:
            self.send(self.conn.too_large())
            self.close()

    def _handle(self, frame: bytes) -> None:
        gate = self.gate
        try:
            request = self.conn.request(frame)
        except ProtocolError as exc:
            self.server.tally.refused(exc.msgid, exc.errno if gate is None else Errno.RATE_LIMITED)
            log.debug("bad frame: %s (errno %d)", exc.errmsg, exc.errno)
            if gate is None or gate.admit(1.0):
                self.send(Error(exc.errno, exc.errmsg, re=exc.msgid, rid=exc.rid))
            else:
                slow_down = Error(Errno.RATE_LIMITED, gate.refusal(), exc.msgid, exc.rid)
                self._refused(gate, self.conn.push(slow_down))
            return
        route = ROUTES[type(request)]
        self.server.tally.requests[route.msgid] += 1
        if gate is not None and not gate.admit(route.cost):
            self.server.tally.refused(route.msgid, Errno.RATE_LIMITED)
            refusal = route.refusal(request, Errno.RATE_LIMITED, gate.refusal())
            self._refused(gate, self.conn.reply(request, refusal))
            return
        reply = route.run(self, request)
        if isinstance(reply, Awaitable):  # a future is waited for as it is, a coroutine as a task
            self._waiting = waiting = asyncio.ensure_future(reply)
            waiting.add_done_callback(partial(self._answered, request, route))
        else:
            self._answer(request, reply)

    def _answered(self, request: Request, route: Route, done: asyncio.Future[Event | None]) -> None:
        self._waiting = None
        self._answer(request, route.outcome(self, request, done))
        self._work()

    def _answer(self, request: Request, reply: Event | None) -> None:
        if reply is not None:  # DELIVERED is the one request without a reply
            self._write(self.conn.reply(request, reply))
            if self.server.draining is not None and isinstance(reply, LoginAck):
                self.server.draining.tell(self)  # logged in here while draining: move on
        if self.mailbox is not None and self.mailbox.held is not None:
            self.mailbox.release()  # the login ack is out: deliveries may follow

    def _refused(self, gate: RequestGate, refusal: bytes | None) -> None:
        """Sends a rate-limit refusal; a client that goes on regardless is cut off."""
        self._write(refusal)
        if gate.exhausted:
            strikes = gate.max_strikes
            log.warning("%d requests refused in a row: disconnecting", strikes)
            self._drop_frames()
            self.close()

    def send(self, event: Event) -> None:
        """Writes an event the server sends of its own accord, in the connection's dialect."""
        self._write(self.conn.push(event))
