"""Connection: the asyncio side of the client; requests with ids, pushed events, reconnection."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any

from chatapp.protocol import (
    Ack,
    ChatMessage,
    Errno,
    Error,
    Event,
    FrameSplitter,
    FriendAdded,
    GroupMessage,
    Login,
    LoginAck,
    Logout,
    Ping,
    Presence,
    ProtocolError,
    RegAck,
    Register,
    Request,
    Rid,
    decode_event,
    encode_request,
)

from .backoff import Backoff
from .errors import ClientError, Disconnected, RequestFailed, RequestTimeout
from .link import Incoming, LinkChanged, LinkState, LoggedIn

log = logging.getLogger(__name__)

Opener = Callable[[str, int], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]
Sleep = Callable[[float], Awaitable[None]]

# A login refused for these reasons will not succeed by trying again.
_FINAL_LOGIN_ERRORS = frozenset({Errno.BAD_CREDENTIALS, Errno.NO_SUCH_USER})


@dataclass(slots=True)
class _Outgoing:
    request: Request
    reply: asyncio.Future[Event]


class Connection:
    """One client connection that logs in again by itself after the link drops.

    Requests sent while the link is down wait in an outbox and go out, in order, after the
    automatic login; each fails with RequestTimeout if that takes longer than
    `queue_timeout`. Requests already written when the link drops fail with Disconnected,
    since nobody can tell whether the server acted on them.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        request_timeout: float = 10.0,
        queue_timeout: float = 60.0,
        ping_interval: float = 30.0,
        backoff: Backoff | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        opener: Opener = asyncio.open_connection,
    ) -> None:
        self.host = host
        self.port = port
        self.request_timeout = request_timeout
        self.queue_timeout = queue_timeout
        self.ping_interval = ping_interval
        self.backoff = backoff or Backoff()
        self.state = LinkState.OFFLINE
        self._sleep = sleep
        self._clock = clock
        self._open = opener
        self._incoming: asyncio.Queue[Incoming] = asyncio.Queue()
        self._inflight: dict[Rid, _Outgoing] = {}
        self._outbox: deque[_Outgoing] = deque()
        self._rids = itertools.count(1)
        self._writer: asyncio.StreamWriter | None = None
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._credentials: Login | None = None
        self._last_heard = clock()

    # --- Public API -----------------------------------------------------------------------

    async def connect(self) -> None:
        """Opens the connection if it is not open; raises Disconnected if that fails."""
        if self._writer is not None:
            return
        if self.state is LinkState.CLOSED:
            raise Disconnected("the connection is closed")
        self._set_state(LinkState.CONNECTING)
        try:
            await self._attach()
        except Disconnected as exc:
            self._set_state(LinkState.OFFLINE, str(exc))
            raise
        self._set_state(LinkState.CONNECTED)

    async def login(
        self, password: str, *, id: int | None = None, name: str | None = None
    ) -> LoginAck:
        """Logs in by id or name; raises RequestFailed when the server refuses."""
        await self.connect()
        return await self._login(Login(password=password, id=id, name=name, v=2), again=False)

    async def register(self, name: str, password: str) -> int:
        """Creates an account and returns its id; raises RequestFailed when refused."""
        await self.connect()
        reply = await self._roundtrip(Register(name, password, v=2))
        if not isinstance(reply, RegAck):
            raise ClientError(f"unexpected reply to REG: {reply!r}")
        if reply.errno:
            raise RequestFailed(reply.errno, reply.errmsg)
        return reply.id

    async def logout(self) -> None:
        """Ends the session but keeps the connection; nothing will log in again by itself."""
        self._credentials = None
        self._stop("reconnect")
        self._fail_outbox("logged out")
        if self.state is LinkState.ONLINE:
            with contextlib.suppress(ClientError):
                await self._roundtrip(Logout())
        self._stop("heartbeat")
        self._set_state(LinkState.CONNECTED if self._writer else LinkState.OFFLINE)

    async def request(self, request: Request) -> Ack:
        """Sends a request that needs a session and returns its ACK.

        Raises RequestFailed on ERROR, Disconnected without a session or when the link
        drops after sending, and RequestTimeout.
        """
        if self.state is not LinkState.ONLINE and self._credentials is None:
            raise Disconnected("not logged in")
        entry = self._entry(request)
        if self.state is LinkState.ONLINE:
            self._send(entry)
            timeout = self.request_timeout
        else:
            self._outbox.append(entry)
            timeout = self.queue_timeout
        reply = await self._await(entry, timeout)
        if not isinstance(reply, Ack):
            raise ClientError(f"unexpected reply: {reply!r}")
        return reply

    async def events(self) -> AsyncIterator[Incoming]:
        """Pushed events and state changes, in order, until the connection is closed."""
        while True:
            item = await self._incoming.get()
            yield item
            if isinstance(item, LinkChanged) and item.state is LinkState.CLOSED:
                return

    async def close(self) -> None:
        """Closes for good: pending requests fail and `events()` ends."""
        if self.state is LinkState.CLOSED:
            return
        self._credentials = None
        for name in list(self._tasks):
            self._stop(name)
        self._drop("connection closed")
        self._fail_outbox("connection closed")
        self._set_state(LinkState.CLOSED)

    # --- Sending and receiving ------------------------------------------------------------

    def _entry(self, request: Request) -> _Outgoing:
        request = replace(request, rid=next(self._rids))
        return _Outgoing(request, asyncio.get_running_loop().create_future())

    def _send(self, entry: _Outgoing) -> None:
        if self._writer is None or self._writer.is_closing():
            raise Disconnected("not connected")
        self._inflight[entry.request.rid] = entry
        self._writer.write(encode_request(entry.request))

    async def _await(self, entry: _Outgoing, wait: float) -> Event:
        try:
            return await asyncio.wait_for(entry.reply, wait)
        except TimeoutError:
            self._inflight.pop(entry.request.rid, None)
            with contextlib.suppress(ValueError):
                self._outbox.remove(entry)
            raise RequestTimeout(f"no answer from {self.host}:{self.port}") from None

    async def _roundtrip(self, request: Request) -> Event:
        entry = self._entry(request)
        self._send(entry)
        return await self._await(entry, self.request_timeout)

    async def _attach(self) -> None:
        try:
            reader, writer = await asyncio.wait_for(
                self._open(self.host, self.port), self.request_timeout
            )
        except (OSError, TimeoutError) as exc:
            raise Disconnected(f"cannot reach {self.host}:{self.port}: {exc}") from exc
        self._writer = writer
        self._last_heard = self._clock()
        self._tasks["reader"] = asyncio.create_task(self._read(reader, writer))

    async def _read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        splitter = FrameSplitter()
        reason = "the server closed the connection"
        try:
            while data := await reader.read(65536):
                self._last_heard = self._clock()
                for frame in splitter.feed(data):
                    self._dispatch(frame)
                if splitter.overflowed:
                    reason = "the server sent an oversized frame"
                    break
        except OSError as exc:
            reason = f"connection lost: {exc}"
        self._lost(writer, reason)

    def _dispatch(self, frame: bytes) -> None:
        try:
            event = decode_event(frame)
        except ProtocolError as exc:
            log.warning("ignoring a frame the client cannot read: %s", exc)
            return
        if isinstance(event, ChatMessage | GroupMessage | Presence | FriendAdded):
            self._incoming.put_nowait(event)
            return
        entry = self._inflight.pop(event.rid, None)
        if entry is None or entry.reply.done():
            log.warning("unsolicited reply: %r", event)
        elif isinstance(event, Error):
            entry.reply.set_exception(RequestFailed(event.errno, event.errmsg))
        else:
            entry.reply.set_result(event)

    # --- Sessions and reconnection --------------------------------------------------------

    async def _login(self, login: Login, *, again: bool) -> LoginAck:
        reply = await self._roundtrip(login)
        if not isinstance(reply, LoginAck):
            raise ClientError(f"unexpected reply to LOGIN: {reply!r}")
        if reply.errno:
            raise RequestFailed(reply.errno, reply.errmsg)
        self._credentials = replace(login, rid=None)
        self._set_state(LinkState.ONLINE)
        self._incoming.put_nowait(LoggedIn(reply, again))
        while self._outbox:
            self._send(self._outbox.popleft())
        self._start("heartbeat", self._heartbeat())
        return reply

    def _lost(self, writer: asyncio.StreamWriter, reason: str) -> None:
        if writer is not self._writer:
            return
        self._tasks.pop("reader", None)
        self._drop(reason)
        if "reconnect" in self._tasks:
            return  # the reconnect loop sees the failure through its own request
        if self._credentials is not None:
            self._start("reconnect", self._reconnect(reason))
        else:
            self._set_state(LinkState.OFFLINE, reason)

    def _drop(self, reason: str) -> None:
        """Closes the socket and fails what was written on it."""
        self._stop("heartbeat")
        self._stop("reader")
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        inflight, self._inflight = self._inflight, {}
        for entry in inflight.values():
            if not entry.reply.done():
                entry.reply.set_exception(Disconnected(reason))

    async def _reconnect(self, reason: str) -> None:
        credentials = self._credentials
        attempt = 0
        while credentials is not None:
            delay = self.backoff.delay(attempt)
            attempt += 1
            self._set_state(LinkState.RECONNECTING, reason, retry_in=delay, attempt=attempt)
            await self._sleep(delay)
            self._set_state(LinkState.CONNECTING, reason, attempt=attempt)
            try:
                await self._attach()
                await self._login(credentials, again=True)
            except RequestFailed as exc:
                self._drop(str(exc))
                if exc.errno in _FINAL_LOGIN_ERRORS:
                    self._credentials = None
                    self._fail_outbox(f"login refused: {exc}")
                    self._set_state(LinkState.OFFLINE, f"login refused: {exc}")
                    break
                reason = str(exc)
            except ClientError as exc:
                self._drop(str(exc))
                reason = str(exc)
            else:
                break
        self._tasks.pop("reconnect", None)

    async def _heartbeat(self) -> None:
        while True:
            await self._sleep(max(0.0, self._last_heard + self.ping_interval - self._clock()))
            if self._clock() - self._last_heard < self.ping_interval:
                continue
            try:
                await self._roundtrip(Ping())
            except RequestTimeout:
                log.warning("no PONG from %s:%d; dropping the connection", self.host, self.port)
                if self._writer is not None:
                    self._writer.close()  # the reader sees the end and reconnects
                return
            except ClientError:
                return

    # --- Plumbing -------------------------------------------------------------------------

    def _start(self, name: str, coro: Coroutine[Any, Any, None]) -> None:
        self._stop(name)
        self._tasks[name] = asyncio.create_task(coro)

    def _stop(self, name: str) -> None:
        task = self._tasks.pop(name, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    def _fail_outbox(self, reason: str) -> None:
        outbox, self._outbox = self._outbox, deque()
        for entry in outbox:
            if not entry.reply.done():
                entry.reply.set_exception(Disconnected(reason))

    def _set_state(
        self, state: LinkState, reason: str = "", *, retry_in: float | None = None, attempt: int = 0
    ) -> None:
        self.state = state
        self._incoming.put_nowait(LinkChanged(state, reason, retry_in, attempt))
