"""Session: one client connection; frames in, requests dispatched in order, replies out."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import deque
from typing import TYPE_CHECKING, cast

from chatapp.protocol import (
    ChatMessage,
    Dialect,
    Errno,
    Error,
    Event,
    FrameSplitter,
    FriendAdded,
    GroupMessage,
    Login,
    LoginAck,
    ProtocolError,
    RegAck,
    Register,
    Request,
    decode_request,
    encode,
)

from .bus import BusUnavailable, Delivery, Doorbell
from .errors import ChatError
from .handlers import ROUTES
from .presence import announce_presence
from .storage import StorageUnavailable, User

if TYPE_CHECKING:
    from .app import ChatServer

log = logging.getLogger(__name__)

# Reading pauses while this many frames wait, so a flooding client cannot grow memory.
MAX_QUEUED_FRAMES = 256


class Session(asyncio.Protocol):
    """The only code that writes to a client. Handlers return replies; this sends them."""

    def __init__(self, server: ChatServer) -> None:
        self.server = server
        self.user: User | None = None
        self.dialect = Dialect.LEGACY
        self.friend_ids: set[int] = set()
        self.peer = "?"
        self._transport: asyncio.Transport | None = None
        self._splitter = FrameSplitter(server.config.max_frame)
        self._frames: deque[bytes] = deque()
        self._worker: asyncio.Task[None] | None = None
        self._held: list[Delivery] | None = None
        self._pulling = False
        self._paused = False
        self.last_heard = 0.0

    # --- transport callbacks -------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, but implement it.
        self._transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.last_heard = asyncio.get_running_loop().time()
        _keepalive(transport.get_extra_info("socket"))
        self.server.sessions.add(self)

    def data_received(self, data: bytes) -> None:
        self.last_heard = asyncio.get_running_loop().time()
        self._frames.extend(self._splitter.feed(data))
        if self._splitter.overflowed or len(self._frames) >= MAX_QUEUED_FRAMES:
            self._pause()
        if self._worker is None and (self._frames or self._splitter.overflowed):
            self._worker = asyncio.get_running_loop().create_task(self._work())

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.sessions.discard(self)
        self._frames.clear()
        self._transport = None
        self.server.spawn(self._after_close())

    # --- the request path ----------------------------------------------------------

    async def _work(self) -> None:
        try:
            while self._frames:
                await self._handle(self._frames.popleft())
                if self._paused and len(self._frames) < MAX_QUEUED_FRAMES // 2:
                    self._resume()
            if self._splitter.overflowed:
                limit = self.server.config.max_frame
                self.send(Error(Errno.FRAME_TOO_LARGE, f"frame longer than {limit} bytes"))
                self.close()
        finally:
            self._worker = None

    async def _handle(self, frame: bytes) -> None:
        try:
            request = decode_request(frame)
        except ProtocolError as exc:
            self.send(Error(exc.errno, exc.errmsg, re=exc.msgid, rid=exc.rid))
            return
        route = ROUTES[type(request)]
        dialect = self._reply_dialect(request)
        try:
            if route.needs_login and self.user is None:
                raise ChatError(Errno.NOT_LOGGED_IN, "log in first")
            reply = await route.handler(self, request)
        except ChatError as exc:
            reply = _refusal(request, route.msgid, exc.errno, exc.errmsg)
        except (StorageUnavailable, BusUnavailable) as exc:
            log.warning("%s: %s", self.peer, exc)
            reply = _refusal(request, route.msgid, Errno.UNAVAILABLE, "service unavailable, retry")
        except Exception:
            log.exception("%s: request %s failed", self.peer, route.msgid.name)
            reply = _refusal(request, route.msgid, Errno.INTERNAL, "internal server error")
        self.send(reply, dialect if self.user is None else self.dialect)
        if self._held is not None:
            self.release_held()

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
            if not self._pulling:
                self._pulling = True
                self.server.spawn(self._pull_offline())
        else:
            if isinstance(delivery, FriendAdded):
                self.friend_ids.add(delivery.friend.id)
            self.send(delivery)

    def hold(self) -> None:
        """Queues deliveries until the login ack has gone out, so it is always first."""
        self._held = []

    def release_held(self) -> None:
        held, self._held = self._held or [], None
        for delivery in held:
            self.deliver(delivery)

    async def _pull_offline(self) -> None:
        try:
            while self._pulling and self.user is not None:
                self._pulling = False
                for message in await self.server.storage.take_offline(self.user.id):
                    self.send(message)
        finally:
            self._pulling = False

    # --- leaving -------------------------------------------------------------------

    async def leave(self, *, announce: bool = True) -> None:
        """Logs the user out here: offline on the bus, friends told, held messages kept."""
        user, self.user = self.user, None
        if user is None:
            return
        await self.server.bus.detach(user.id)
        # Chats published to this user while the login was still in progress were taken
        # by nobody: keep them for the next login.
        held, self._held = self._held or [], None
        for message in held:
            if isinstance(message, ChatMessage | GroupMessage):
                await self.server.storage.store_offline([user.id], message)
        if announce:
            await announce_presence(self.server, user, self.friend_ids, online=False)
        self.friend_ids = set()

    async def _after_close(self) -> None:
        if self._worker is not None:
            await asyncio.wait([self._worker])
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


def _refusal(request: Request, msgid: int, errno: Errno, errmsg: str) -> Event:
    if isinstance(request, Login):
        return LoginAck(errno=errno, errmsg=errmsg, rid=request.rid)
    if isinstance(request, Register):
        return RegAck(errno=errno, errmsg=errmsg, rid=request.rid)
    return Error(errno, errmsg, re=msgid, rid=request.rid)
