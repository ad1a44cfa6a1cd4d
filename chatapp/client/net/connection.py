"""Connection: the asyncio side of the client; requests with ids, pushed events, reconnection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path

from chatapp.protocol import (
    Ack,
    ChatMessage,
    Delivered,
    Drain,
    Errno,
    Event,
    GroupMessage,
    Login,
    LoginAck,
    Logout,
    Ping,
    RegAck,
    Register,
    Sent,
)

from .backoff import FINAL_LOGIN_ERRORS, Backoff, Sleep
from .errors import ClientError, Disconnected, RequestFailed, expect
from .inbox import Inbox
from .link import NOTICES, Feed, Incoming, LinkChanged, LinkState, LoggedIn, LoginNeeded
from .pending import Outgoing, Pending, Sendable
from .wire import Opener, Wire

log = logging.getLogger(__name__)


class Connection:
    """One client connection that logs in again by itself, with a resume token: the password
    serves one login; each login returns a token for the next. Requests made while the link
    is down wait in an outbox for the automatic login, up to `queue_timeout`; chats (their
    cid makes a retry harmless) until they are answered, and on disk under `outbox` for the
    user's next login. When the link drops, chats and reads in flight go out again; the rest
    fail with Disconnected: the server may have acted on them. A DRAIN is a drop without a
    loss: see `_reconnect`."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        request_timeout: float = 10.0,
        queue_timeout: float = 60.0,
        ping_interval: float = 30.0,
        ack_interval: float = 0.5,
        backoff: Backoff | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        opener: Opener = asyncio.open_connection,
        outbox: Path | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.request_timeout = request_timeout
        self.queue_timeout = queue_timeout
        self.ping_interval = ping_interval
        self.backoff = backoff or Backoff()
        self.state = LinkState.OFFLINE
        self._sleep, self._clock, self._open = sleep, clock, opener
        self._feed = Feed()
        self._pending = Pending.kept_in(outbox, host, port)
        self._pending.send, self._pending.online = (
            self._send,
            lambda: self.state is LinkState.ONLINE,
        )
        self.inbox = Inbox(self._feed.put, self._post, self.request, ack_interval=ack_interval)
        self._wire: Wire | None = None
        self._reconnector: asyncio.Task[None] | None = None
        self._token: str | None = None
        self.device: str | None = None  # the name of the device a password login opens
        self._user_id: int | None = None

    # --- Public API -----------------------------------------------------------------------

    async def connect(self) -> None:
        """Opens the connection if it is not open; raises Disconnected if that fails."""
        if self._wire is not None:
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
        """Logs in by id or name as the device `self.device`; RequestFailed if refused."""
        await self.connect()
        self.inbox.restart()
        return await self._login(Login(password, id, name, 2, device=self.device))

    async def register(self, name: str, password: str) -> int:
        """Creates an account and returns its id; raises RequestFailed when refused."""
        await self.connect()
        return expect(await self._roundtrip(Register(name, password, v=2)), RegAck, "REG").id

    async def logout(self) -> None:
        """Ends the session but keeps the connection; nothing will log in again by itself."""
        self._token = None
        self._stop_reconnecting()
        self._pending.fail_outbox("logged out")
        if self.state is LinkState.ONLINE:
            self.inbox.flush()  # what was shown is held: it must not come again
            with contextlib.suppress(ClientError):
                await self._roundtrip(Logout())
        self.inbox.restart()
        if self._wire is not None:
            self._wire.unwatch()
        self._set_state(LinkState.CONNECTED if self._wire else LinkState.OFFLINE)

    async def request(self, request: Sendable) -> Ack:
        """Sends a request that needs a session and returns its ACK. Raises RequestFailed on
        ERROR, Disconnected without a session or when the link drops after sending one that
        is not safe to repeat, and RequestTimeout."""
        if self.state is not LinkState.ONLINE and self._token is None:
            raise Disconnected("not logged in")
        if self.state is LinkState.ONLINE:
            entry = self._pending.new(request, self.request_timeout)
            self._send(entry)
        else:
            entry = self._pending.new(request, self.queue_timeout)
            self._pending.outbox.append(entry)
        reply = expect(await self._pending.wait(entry, f"{self.host}:{self.port}"), Ack, "it")
        self.inbox.take_number(reply.seq)  # a chat's copy for the user's other devices
        return reply

    def events(self) -> AsyncIterator[Incoming]:
        """Pushed events and state changes, in order, until the connection is closed."""
        return self._feed.items()

    async def close(self) -> None:
        """Closes for good: pending requests fail and `events()` ends."""
        if self.state is LinkState.CLOSED:
            return
        self.inbox.flush()
        self._token = None
        self._stop_reconnecting()
        self._drop("connection closed")
        self._pending.fail_outbox("connection closed")
        self._set_state(LinkState.CLOSED)

    # --- Sending and receiving ------------------------------------------------------------

    def _send(self, entry: Outgoing) -> None:
        if self._wire is None:
            raise Disconnected("not connected")
        self._pending.inflight[entry.request.rid] = entry
        # On a closing link it is as good as lost in flight: the link's end settles it.
        if self._wire.writable:
            self._wire.send(entry.request)

    def _post(self, request: Delivered) -> bool:
        """Writes a request that has no reply; False without a session to take it."""
        wire = self._wire
        if self.state is not LinkState.ONLINE or wire is None or not wire.writable:
            return False
        wire.send(request)
        return True

    async def _roundtrip(self, request: Sendable) -> Event:
        entry = self._pending.new(request, self.request_timeout)
        self._send(entry)
        return await self._pending.wait(entry, f"{self.host}:{self.port}")

    async def _attach(self) -> None:
        self._wire = await Wire.open(
            self._open,
            self.host,
            self.port,
            self.request_timeout,
            on_event=self._dispatch,
            on_burst=self.inbox.settle,
            on_end=self._lost,
            clock=self._clock,
        )

    def _dispatch(self, event: Event) -> None:
        if isinstance(event, ChatMessage | GroupMessage | Sent):  # Sent: from another device
            self.inbox.deliver(event.chat if isinstance(event, Sent) else event)
        elif isinstance(event, NOTICES):
            self._feed.put(event)
        elif isinstance(event, Drain):  # to another instance: see _reconnect
            if self._reconnector is None and self._token is not None:
                moving = self._reconnect("the server is restarting", event.retry_ms)
                self._reconnector = asyncio.create_task(moving)
        else:
            login = self._pending.request_for(event)
            if isinstance(event, LoginAck) and isinstance(login, Login) and not event.errno:
                event = self._session(event, login)
            if not self._pending.settle(event):
                log.warning("unsolicited reply: %r", event)

    # --- Sessions and reconnection --------------------------------------------------------

    async def _login(self, login: Login) -> LoginAck:
        return expect(await self._roundtrip(login), LoginAck, "LOGIN")

    def _session(self, ack: LoginAck, login: Login) -> LoginAck:
        """Sets up a session as its login ack is read, before the deliveries right behind it."""
        # Only the token is kept: it logs in once more, and LOGOUT revokes it.
        self._token, self._user_id = ack.token, ack.id
        log.info("%s:%d logged in as %s (#%d)", self.host, self.port, ack.name, ack.id)
        self._set_state(LinkState.ONLINE)
        ack = replace(ack, offlinemsg=tuple(self.inbox.take(ack.offlinemsg)))
        self._feed.put(LoggedIn(ack, again=login.token is not None))
        for entry in self._pending.release(self.request_timeout, ack.id):
            self._send(entry)
        self.inbox.online()
        if self._wire is not None:
            self._wire.watch(self.ping_interval, lambda: self._roundtrip(Ping()))
        return ack

    def _lost(self, wire: Wire, reason: str) -> None:
        if wire is not self._wire:
            return  # an old link, dropped already
        self._drop(reason)
        if self._reconnector is not None:
            return  # the reconnect loop sees the failure through its own request
        if self._token is not None:
            self._reconnector = asyncio.create_task(self._reconnect(reason))
        else:
            self._pending.fail_outbox(reason)
            self._set_state(LinkState.OFFLINE, reason)

    def _drop(self, reason: str) -> None:
        """Closes the socket; what was written on it goes again or fails."""
        self.inbox.offline()
        if self._wire is not None:
            self._wire.close()
            self._wire = None
        self._pending.requeue_inflight(reason, self.queue_timeout)

    async def _reconnect(self, reason: str, hint_ms: int | None = None) -> None:
        """Logs in again with the token. After a DRAIN, new requests wait in the outbox while
        those in flight are answered, then the link closes; the login follows the hint."""
        attempt, leaving = 0, self._wire if hint_ms is not None else None
        if leaving is not None:
            self._set_state(LinkState.RECONNECTING, reason, retry_in=(hint_ms or 0) / 1000)
            await self._pending.answered(leaving.ended, self.request_timeout)
            self._drop(reason)  # unless the server closed it first
        while self._token is not None:
            delay = self.backoff.delay(attempt) if hint_ms is None or attempt else hint_ms / 1000
            attempt += 1
            self._set_state(LinkState.RECONNECTING, reason, retry_in=delay, attempt=attempt)
            await self._sleep(delay)
            self._set_state(LinkState.CONNECTING, reason, attempt=attempt)
            resume = Login(token=self._token, id=self._user_id, v=2, last=self.inbox.last)
            try:
                await self._attach()
                await self._login(resume)
            except ClientError as exc:
                self._drop(str(exc))
                if isinstance(exc, RequestFailed) and exc.errno in FINAL_LOGIN_ERRORS:
                    self._give_up(f"login refused: {exc}")
                    break
                if isinstance(exc, RequestFailed) and exc.errno is Errno.INVALID_ARGUMENT:
                    # The server never gave the numbers this client holds (its log was
                    # restored from a backup, say): start over from what it has.
                    self.inbox.restart()
                reason = str(exc)
            else:
                break
        self._reconnector = None

    def _give_up(self, reason: str) -> None:
        """The token was refused: only the user, with the password, can log in again."""
        self._token = None
        self.inbox.restart()
        self._pending.fail_outbox(reason, keep_chats=True)  # for the user's next login
        self._set_state(LinkState.OFFLINE, reason)
        self._feed.put(LoginNeeded(self._pending.farewell or reason))

    def _stop_reconnecting(self) -> None:
        task, self._reconnector = self._reconnector, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    def _set_state(
        self, state: LinkState, reason: str = "", *, retry_in: float | None = None, attempt: int = 0
    ) -> None:
        self.state, change = state, LinkChanged(state, reason, retry_in, attempt)
        log.log(change.level, "%s:%d %s", self.host, self.port, change)
        self._feed.put(change)
