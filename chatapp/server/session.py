"""Session: one client connection; frames in, requests dispatched in order, replies out."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import deque
from collections.abc import Awaitable, Sequence
from functools import partial
from typing import TYPE_CHECKING, cast

from chatapp.protocol import (
    Chat,
    ChatMessage,
    Delivered,
    Dialect,
    Errno,
    Error,
    Event,
    FrameSplitter,
    FriendAdded,
    GroupMessage,
    Login,
    LoginAck,
    MsgId,
    Ping,
    ProtocolError,
    RegAck,
    Register,
    Request,
    decode_request,
    encode,
)

from .bus import BusUnavailable, Delivery, Doorbell
from .chats import chat_events
from .errors import ChatError
from .handlers import ROUTES
from .limits import TokenBucket
from .presence import announce_presence
from .proxyheader import parse_proxy_v1
from .sequence import SentSequence
from .storage import StorageUnavailable, User

if TYPE_CHECKING:
    from .app import ChatServer

log = logging.getLogger(__name__)

# Reading pauses while this many frames wait, so a flooding client cannot grow memory.
MAX_QUEUED_FRAMES = 256
# What a request costs of the rate limit: PING and DELIVERED are cheap to serve.
LIGHT_COST = 0.2


class Session(asyncio.Protocol):
    """The only code that writes to a client. Handlers return replies; this sends them."""

    # Slots, and the frame queue and write-pause event made only when needed: an idle
    # logged-in connection is mostly this object, and servers hold tens of thousands.
    __slots__ = (
        "_bucket", "_catch_up_again", "_catching_up", "_frames", "_held", "_paused",
        "_proxy_header_due", "_splitter", "_strikes", "_transport", "_waiting", "_writable",
        "anonymous_since", "dialect", "friend_ids", "host", "last_heard", "peer", "sent",
        "server", "token_hash", "user",
    )  # fmt: skip

    def __init__(self, server: ChatServer) -> None:
        self.server = server
        self.user: User | None = None
        self.dialect = Dialect.LEGACY
        self.friend_ids: set[int] = set()
        self.peer = "?"
        self._transport: asyncio.Transport | None = None
        self._splitter = FrameSplitter(server.config.max_frame)
        self._frames: deque[bytes] | None = None
        # The reply a request is waiting for: later requests wait their turn meanwhile.
        self._waiting: asyncio.Future[Event | None] | None = None
        self._held: list[Delivery] | None = None
        self._catching_up = False
        self._catch_up_again = False
        self._paused = False
        self._writable: asyncio.Event | None = None  # made when the transport first pauses
        self.sent = SentSequence()
        self.token_hash: str | None = None
        self.last_heard = 0.0
        self.host = "?"
        self._proxy_header_due = server.config.proxy_protocol
        # Loop time since which the connection has had no login: connected or logged out.
        self.anonymous_since = 0.0
        self._bucket: TokenBucket | None = None
        self._strikes = 0

    # --- transport callbacks -------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, but implement it.
        self._transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.host = str(peer[0]) if isinstance(peer, tuple) else self.peer
        loop = asyncio.get_running_loop()
        self.last_heard = self.anonymous_since = loop.time()
        config = self.server.config
        if config.rate_limit > 0:
            self._bucket = TokenBucket(config.rate_limit, max(1.0, config.rate_burst), loop.time)
        _keepalive(transport.get_extra_info("socket"))
        self.server.sessions.add(self)

    def data_received(self, data: bytes) -> None:
        self.last_heard = asyncio.get_running_loop().time()
        frames = self._splitter.feed(data)
        if frames:
            if self._frames is None:
                self._frames = deque(frames)
            else:
                self._frames.extend(frames)
        if self._splitter.overflowed or self._queued() >= MAX_QUEUED_FRAMES:
            self._pause()
        if self._waiting is None:
            self._work()

    def _queued(self) -> int:
        return len(self._frames) if self._frames is not None else 0

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = asyncio.Event()
        self._writable.clear()

    def resume_writing(self) -> None:
        if self._writable is not None:
            self._writable.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.resume_writing()  # a catch-up waiting to write sees the user is gone
        self.server.sessions.discard(self)
        self._frames = None
        self._transport = None
        self.server.spawn(self._after_close())

    # --- the request path ----------------------------------------------------------

    def _work(self) -> None:
        """Handles the queued requests in order, on the spot where a handler can answer
        at once; one that must wait (for the log, storage, the bus) holds the rest back
        until its reply is out, so replies keep the order of requests."""
        while self._frames and self._waiting is None:
            frame = self._frames.popleft()
            if not self._frames:
                self._frames = None  # an idle connection keeps no queue
            if self._proxy_header_due:
                if not self._take_proxy_header(frame):
                    return
                continue
            self._handle(frame)
            if self._paused and self._queued() < MAX_QUEUED_FRAMES // 2:
                self._resume()
        if self._waiting is None and self._splitter.overflowed and self._transport is not None:
            limit = self.server.config.max_frame
            self.send(Error(Errno.FRAME_TOO_LARGE, f"frame longer than {limit} bytes"))
            self.close()

    def _take_proxy_header(self, frame: bytes) -> bool:
        """Reads the balancer's PROXY header: the real client's address, for logs and the
        per-address login limit. A connection without a valid one is closed."""
        self._proxy_header_due = False
        try:
            source = parse_proxy_v1(frame)
        except ValueError as exc:
            log.warning("%s: expected a PROXY header (--proxy-protocol): %s", self.peer, exc)
            self.close()
            self._frames = None
            return False
        if source is not None:
            self.host = source[0]
            self.peer = f"{source[0]}:{source[1]}"
        return True

    def _handle(self, frame: bytes) -> None:
        try:
            request = decode_request(frame)
        except ProtocolError as exc:
            if self._admit(1.0):
                self.send(Error(exc.errno, exc.errmsg, re=exc.msgid, rid=exc.rid))
            else:
                self._rate_limited(Error(Errno.RATE_LIMITED, self._slow_down(), exc.msgid, exc.rid))
            return
        route = ROUTES[type(request)]
        dialect = self._reply_dialect(request)
        if not self._admit(LIGHT_COST if isinstance(request, Ping | Delivered) else 1.0):
            refusal = _refusal(request, route.msgid, Errno.RATE_LIMITED, self._slow_down())
            self._rate_limited(refusal, dialect if self.user is None else self.dialect)
            return
        try:
            if route.needs_login and self.user is None:
                raise ChatError(Errno.NOT_LOGGED_IN, "log in first")
            reply = route.handler(self, request)
        except Exception as exc:
            self._answer(request, route.msgid, dialect, _failure(self.peer, route.msgid, exc))
            return
        if isinstance(reply, Awaitable):  # a future is waited for as it is, a coroutine as a task
            self._waiting = waiting = asyncio.ensure_future(reply)
            waiting.add_done_callback(partial(self._answered, request, route.msgid, dialect))
        else:
            self._answer(request, route.msgid, dialect, reply)

    def _answered(
        self, request: Request, msgid: MsgId, dialect: Dialect, done: asyncio.Future[Event | None]
    ) -> None:
        self._waiting = None
        if done.cancelled():
            reply: Event | ChatError | None = None  # cut short by shutdown: nobody waits for it
        elif (exc := done.exception()) is not None:
            reply = _failure(self.peer, msgid, exc)
        else:
            reply = done.result()
        self._answer(request, msgid, dialect, reply)
        self._work()

    def _answer(
        self, request: Request, msgid: MsgId, dialect: Dialect, reply: Event | ChatError | None
    ) -> None:
        if isinstance(reply, ChatError):
            reply = _refusal(request, msgid, reply.errno, reply.errmsg)
        if reply is not None:  # DELIVERED is the one request without a reply
            self.send(reply, dialect if self.user is None else self.dialect)
        if self._held is not None:
            self.release_held()

    def _admit(self, cost: float) -> bool:
        """Takes the request's cost from the rate limit; False: it must be refused."""
        if self._bucket is None or self._bucket.take(cost):
            self._strikes = 0
            return True
        self._strikes += 1
        return False

    def _slow_down(self) -> str:
        wait = self._bucket.wait() if self._bucket is not None else 0.0
        limit = self.server.config.rate_limit
        return f"too many requests (over {limit:g} a second): retry in {wait:.2f} s"

    def _rate_limited(self, reply: Event, dialect: Dialect | None = None) -> None:
        """Sends the refusal; a client that goes on regardless is cut off."""
        self.send(reply, dialect)
        strikes = self.server.config.rate_strikes
        if 0 < strikes <= self._strikes:
            log.warning("%s: %d requests refused in a row: disconnecting", self.peer, strikes)
            self._frames = None
            self.close()

    def _reply_dialect(self, request: Request) -> Dialect:
        # Before login a connection has no dialect yet: LOGIN and REG choose it with `v`.
        if self.user is None and isinstance(request, Login | Register) and request.v >= 2:
            return Dialect.V2
        return self.dialect

    # --- outgoing ------------------------------------------------------------------

    def send(self, event: Event, dialect: Dialect | None = None) -> None:
        """Writes one event; a client that stops reading is cut off at the outbound limit."""
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        data = encode(event, self.dialect if dialect is None else dialect)
        if data is None:
            return
        transport.write(data)
        if transport.get_write_buffer_size() > self.server.config.max_outbound_bytes:
            log.warning("%s: not reading, outbound limit reached: disconnecting", self.peer)
            transport.abort()

    def deliver(self, delivery: Delivery) -> None:
        """Called by the bus for each event addressed to this session's user."""
        if self._held is not None:
            self._held.append(delivery)
        elif isinstance(delivery, Doorbell):
            self.catch_up()
        elif isinstance(delivery, ChatMessage | GroupMessage):
            self.send_chats([delivery])
        else:
            if isinstance(delivery, FriendAdded):
                self.friend_ids.add(delivery.friend.id)
            self.send(delivery)

    def send_chats(self, messages: Sequence[Chat]) -> list[Chat]:
        """Sends the deliveries not sent before; returns them. A legacy client cannot
        acknowledge, so what it was sent counts as delivered, as in the original."""
        fresh = [m for m in messages if not m.seq or self.sent.add(m.seq)]
        for message in fresh:
            self.send(message)
        # Only what went into a live connection: a message to a closing one stays due.
        transport = self._transport
        alive = transport is not None and not transport.is_closing()
        if self.dialect is Dialect.LEGACY and self.user is not None and fresh and alive:
            self.server.journal.ack(self.user.id, self.sent.floor)
        return fresh

    def hold(self) -> None:
        """Queues deliveries until the login ack has gone out, so it is always first."""
        self._held = []

    def release_held(self) -> None:
        held, self._held = self._held or [], None
        for delivery in held:
            self.deliver(delivery)

    def catch_up(self) -> None:
        """Sends what the log holds for the user beyond what was sent, page by page, as
        fast as the client reads: after a long absence, or when the bus was cut off."""
        if self._catching_up:
            self._catch_up_again = True
        else:
            self._catching_up = True
            self.server.spawn(self._catch_up())

    async def _catch_up(self) -> None:
        page = self.server.config.sync_page
        try:
            while self.user is not None:
                self._catch_up_again = False
                if self._writable is not None:
                    await self._writable.wait()
                if self.user is None:
                    return
                pending = await self.server.storage.pending(self.user.id, self.sent.floor, page)
                self.send_chats(chat_events(pending.deliveries))
                if len(pending.deliveries) < page and not self._catch_up_again:
                    return
        finally:
            self._catching_up = False

    # --- leaving -------------------------------------------------------------------

    async def leave(self, *, announce: bool = True) -> None:
        """Logs the user out here: offline on the bus, friends told, held messages kept."""
        user, self.user = self.user, None
        if user is None:
            return
        self.anonymous_since = asyncio.get_running_loop().time()
        await self.server.bus.detach(user.id)
        # Chats held during an unfinished login are in the log: the next login sends them.
        self._held = None
        if announce:
            await announce_presence(self.server, user, self.friend_ids, online=False)
        self.friend_ids = set()

    async def _after_close(self) -> None:
        if self._waiting is not None:
            await asyncio.wait([self._waiting])
        await self.leave()

    def close(self) -> None:
        """Closes the connection once queued replies are written."""
        if self._transport is not None:
            self._transport.close()

    def _pause(self) -> None:
        if not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()

    def _resume(self) -> None:
        if self._paused and self._transport is not None and not self._splitter.overflowed:
            self._paused = False
            self._transport.resume_reading()


def _keepalive(sock: socket.socket | None) -> None:
    """Probes a silent peer after 60 s, so a dead legacy client is found in about 90 s."""
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    if hasattr(socket, "TCP_KEEPIDLE"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 60)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)


def _failure(peer: str, msgid: MsgId, exc: BaseException) -> ChatError:
    """What a client is told of a request that raised: its refusal, or that the service is
    unavailable, or (logged here) that the server failed."""
    if isinstance(exc, ChatError):
        return exc
    if isinstance(exc, StorageUnavailable | BusUnavailable):
        log.warning("%s: %s", peer, exc)
        return ChatError(Errno.UNAVAILABLE, "service unavailable, retry")
    log.error("%s: request %s failed", peer, msgid.name, exc_info=exc)
    return ChatError(Errno.INTERNAL, "internal server error")


def _refusal(request: Request, msgid: int, errno: Errno, errmsg: str) -> Event:
    if isinstance(request, Login):
        return LoginAck(errno=errno, errmsg=errmsg, rid=request.rid)
    if isinstance(request, Register):
        return RegAck(errno=errno, errmsg=errmsg, rid=request.rid)
    return Error(errno, errmsg, re=msgid, rid=getattr(request, "rid", None))
