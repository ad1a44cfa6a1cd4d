"""Pending: requests awaiting their replies (in flight) or a session to go out on (the outbox)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from chatapp.protocol import (
    AddFriend,
    AddGroup,
    Block,
    Blocks,
    ChangeSettings,
    Conversations,
    CreateGroup,
    EditGroup,
    EndDevice,
    Errno,
    Error,
    Event,
    FindUsers,
    FriendAnswer,
    FriendRequest,
    Friends,
    GroupChat,
    GroupInvite,
    Groups,
    History,
    InviteAnswer,
    Invites,
    LeaveGroup,
    ListDevices,
    Login,
    LoginAck,
    Logout,
    Members,
    MessageAnswer,
    MessageRequests,
    OneChat,
    Ping,
    Read,
    RegAck,
    Register,
    RemoveMember,
    Requests,
    Rid,
    SetRole,
    Sync,
    Typing,
    Unfriend,
)

from .errors import Disconnected, RequestFailed, RequestTimeout
from .saved import SavedChats

log = logging.getLogger(__name__)

# What this client sends: every request that carries a rid and earns exactly one reply.
Sendable = (
    Login
    | Logout
    | Register
    | OneChat
    | AddFriend
    | CreateGroup
    | AddGroup
    | GroupChat
    | Ping
    | Sync
    | History
    | Friends
    | Groups
    | Members
    | FindUsers
    | Conversations
    | FriendRequest
    | FriendAnswer
    | Unfriend
    | Requests
    | Block
    | Blocks
    | MessageRequests
    | MessageAnswer
    | ChangeSettings
    | LeaveGroup
    | GroupInvite
    | Invites
    | InviteAnswer
    | RemoveMember
    | SetRole
    | EditGroup
    | ListDevices
    | EndDevice
    | Typing
    | Read
)

# Safe to send twice: the server logs a chat once per cid, and the others only read.
RESENDABLE = (
    *(OneChat, GroupChat, History, Friends, Groups, Members, FindUsers, Conversations),
    *(Requests, Blocks, ListDevices, MessageRequests),
)
RETRY_PAUSE = 1.0  # before a chat refused as UNAVAILABLE (maybe logged after all) goes again


@dataclass(slots=True, eq=False)
class Outgoing:
    """One request with its rid, the future its reply resolves, and when waiting ends."""

    request: Sendable
    reply: asyncio.Future[Event]
    created: float
    deadline: float


class Pending:
    """Hands out rids and chat cids, matches replies to rids, and fails what cannot be answered.

    A chat waits for its answer as long as it takes: its cid makes sending it again safe,
    so it goes again after each drop, and fails only when the server refuses it (or the
    caller stops waiting: it stays in `saved`, if given, for the user's next login)."""

    @classmethod
    def kept_in(cls, directory: Path | None, host: str, port: int) -> Pending:
        """Pending requests whose chats are saved under `directory`, if given."""
        return cls(SavedChats(directory, host, port) if directory is not None else None)

    def __init__(self, saved: SavedChats | None = None) -> None:
        self.inflight: dict[Rid, Outgoing] = {}
        self.outbox: deque[Outgoing] = deque()
        self.saved = saved
        self.retry_pause = RETRY_PAUSE
        # How the Connection sends an entry, and whether it has a session to send it on.
        self.send: Callable[[Outgoing], None] = lambda entry: None
        self.online: Callable[[], bool] = lambda: False
        self.user: int | None = None  # whose chats the outbox holds
        self.farewell = ""  # why the server ended the session, if it did (ERROR errno 4)
        self._rids = itertools.count(1)

    def new(self, request: Sendable, timeout: float) -> Outgoing:
        """Numbers a request that may wait `timeout` seconds for its reply (a chat: until
        it has one), and saves a chat."""
        if isinstance(request, OneChat | GroupChat):
            request = replace(request, cid=request.cid or uuid.uuid4().hex)
            timeout = math.inf
            if self.saved is not None:
                self.saved.add(request)
        request = replace(request, rid=next(self._rids))
        loop = asyncio.get_running_loop()
        now = loop.time()
        return Outgoing(request, loop.create_future(), now, now + timeout)

    def request_for(self, event: Event) -> Sendable | None:
        """The request in flight that `event` answers, if any."""
        entry = self.inflight.get(getattr(event, "rid", None))
        return entry.request if entry is not None else None

    def settle(self, event: Event) -> bool:
        """Resolves the request `event` answers; False if none is waiting for it."""
        entry = self.inflight.pop(getattr(event, "rid", None), None)
        if entry is None:
            if isinstance(event, Error) and event.errno is Errno.NOT_LOGGED_IN:
                self.farewell = event.errmsg  # ended elsewhere: the token will be refused
            return False
        request = entry.request
        unavailable = isinstance(event, Error) and event.errno is Errno.UNAVAILABLE
        chat = request if isinstance(request, OneChat | GroupChat) else None
        if chat is not None and chat.cid and self.saved and not unavailable:
            self.saved.remove(chat.cid)  # answered: sent, or refused for good
        if entry.reply.done():
            return False
        if unavailable and chat is not None:  # maybe logged all the same: not a refusal
            self._again(entry)
            return True
        # A refusal fails its request, whichever reply carries it: one error for callers.
        if isinstance(event, Error | LoginAck | RegAck) and event.errno:
            refusal = RequestFailed(event.errno, event.errmsg)
            log.warning("%s refused: %s (errno %d)", _name(entry.request), refusal, event.errno)
            entry.reply.set_exception(refusal)
        else:
            entry.reply.set_result(event)
        return True

    async def wait(self, entry: Outgoing, server: str) -> Event:
        """The reply to `entry`, or RequestTimeout once its deadline (which may move) passes."""
        loop = asyncio.get_running_loop()
        try:
            while not entry.reply.done() and (left := entry.deadline - loop.time()) > 0:
                await asyncio.wait([entry.reply], timeout=None if left == math.inf else left)
        except asyncio.CancelledError:
            self._forget(entry)
            entry.reply.cancel()
            raise
        if not entry.reply.done():
            self._forget(entry)
            raise RequestTimeout(f"no answer from {server}")
        return entry.reply.result()

    async def answered(self, ended: asyncio.Future[None], seconds: float) -> None:
        """Returns once every request in flight has its reply, the link has `ended`, or
        `seconds` have passed (a DRAIN: the link closes after)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not ended.done() and (left := deadline - loop.time()) > 0:
            waits: list[asyncio.Future[Any]] = [
                e.reply for e in self.inflight.values() if not e.reply.done()
            ]
            if not waits:
                return
            waits.append(ended)
            await asyncio.wait(waits, timeout=left, return_when=asyncio.FIRST_COMPLETED)

    def release(self, reply_timeout: float, user: int | None = None) -> list[Outgoing]:
        """Empties the outbox for sending after `user` logged in, with the chats saved
        for them and not in it; each may then wait `reply_timeout` for its reply. Chats
        another user left in it fail: they are not this user's to send."""
        now, self.farewell = asyncio.get_running_loop().time(), ""
        if user is not None and user != self.user:
            self.fail_outbox("another user logged in")
        self.user = user if user is not None else self.user
        entries, self.outbox = [*self.outbox, *self._restored()], deque()
        for entry in entries:
            entry.deadline = max(entry.deadline, now + reply_timeout)
        return entries

    def requeue_inflight(self, reason: str, queue_timeout: float) -> None:
        """The link dropped: what is safe to send again waits in the outbox, ahead of the
        rest, for `queue_timeout` from its creation; the others fail."""
        inflight, self.inflight = self.inflight, {}
        again = [e for e in inflight.values() if isinstance(e.request, RESENDABLE)]
        lost = [e for e in inflight.values() if not isinstance(e.request, RESENDABLE)]
        for entry in again:  # a chat waits for as long as it takes
            if entry.deadline != math.inf:
                entry.deadline = entry.created + queue_timeout
        self.outbox.extendleft(reversed([e for e in again if not e.reply.done()]))
        _fail(lost, reason)

    def fail_outbox(self, reason: str, *, keep_chats: bool = False) -> None:
        """Fails what waits in the outbox (but chats, with `keep_chats`). A chat failed
        here stays saved: it goes after the user's next login."""
        outbox, self.outbox = self.outbox, deque()
        if keep_chats:
            self.outbox = deque(e for e in outbox if isinstance(e.request, OneChat | GroupChat))
        _fail((e for e in outbox if e not in self.outbox), reason)

    def _again(self, entry: Outgoing) -> None:
        """Sends a chat again, with its cid, after a pause; it waits in the outbox meanwhile
        (a login releases it, a logout fails it)."""
        self.outbox.append(entry)

        def resend() -> None:
            if entry in self.outbox and self.online():
                self.outbox.remove(entry)
                self.send(entry)

        asyncio.get_running_loop().call_later(self.retry_pause, resend)

    def _restored(self) -> list[Outgoing]:
        """The user's saved chats that no request here is waiting for (a run of the
        client before this one sent them): nobody awaits their replies."""
        if self.saved is None or self.user is None:
            return []
        self.saved.user = self.user
        here = {getattr(e.request, "cid", None) for e in (*self.outbox, *self.inflight.values())}
        entries = [self.new(c, math.inf) for c in self.saved.chats(self.user) if c.cid not in here]
        for entry in entries:
            entry.reply.add_done_callback(_settled)
        return entries

    def _forget(self, entry: Outgoing) -> None:
        self.inflight.pop(entry.request.rid, None)
        if entry in self.outbox:
            self.outbox.remove(entry)


def _fail(entries: Iterable[Outgoing], reason: str) -> None:
    for entry in entries:
        if not entry.reply.done():
            entry.reply.set_exception(Disconnected(reason))


def _name(request: Sendable) -> str:
    """The request as a log names it: its kind, and for a chat its cid (never a password)."""
    cid = getattr(request, "cid", None)
    return f"{type(request).__name__} {cid}" if cid else type(request).__name__


def _settled(reply: asyncio.Future[Event]) -> None:
    """A restored chat's reply, which nobody awaits: its failure is logged, not raised."""
    if not reply.cancelled() and (exc := reply.exception()) is not None:
        log.info("a saved chat waits for the next login: %s", exc)
