"""The ROUTES table: every request's handler and what it shares with others: whether it
may run before login, what it costs of the rate limit, and the form of its refusal.

Handlers return the reply and never touch the socket; a refusal is a ChatError.
Identity always comes from the session's login, never from a field of the request.
"""

from __future__ import annotations

from asyncio import Future
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chatapp.protocol import (
    AddFriend,
    AddGroup,
    Block,
    Blocks,
    ChangePassword,
    ChangeSettings,
    Conversations,
    CreateGroup,
    Delivered,
    EditGroup,
    EndDevice,
    Errno,
    Error,
    Event,
    FindUsers,
    FriendAnswer,
    FriendCancel,
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
    MsgId,
    OneChat,
    Ping,
    Read,
    RegAck,
    Register,
    RemoveMember,
    Request,
    Requests,
    SetRole,
    Sync,
    Typing,
    Unfriend,
)

from ..errors import ChatError, failure
from .accounts import (
    ALREADY_ONLINE,
    BAD_CREDENTIALS,
    change_password,
    leave,
    logout,
    ping,
    register,
)
from .blocks import block, blocks, message_answer, message_requests
from .chat import delivered, group_chat, history, one_chat, sync
from .devices import end_device, list_devices
from .friends import add_friend, friend_answer, friend_cancel, friend_request, requests, unfriend
from .groups import add_group, create_group, group_invite, invite_answer, invites
from .lists import friends, groups, members
from .login import login
from .people import conversations, find_users
from .reading import read, typing
from .roles import edit_group, leave_group, remove_member, set_role
from .settings import change_settings

if TYPE_CHECKING:
    from ..session import Session

__all__ = ["ALREADY_ONLINE", "BAD_CREDENTIALS", "ROUTES", "Route", "leave"]


Refuse = Callable[[Any, Errno, str], Event]
"""The reply that refuses a request, given its errno and text."""

LIGHT = 0.2
"""The rate-limit cost of a request that is cheap to serve (PING, DELIVERED)."""


def refuse_login(req: Login, errno: Errno, errmsg: str) -> Event:
    return LoginAck(errno=errno, errmsg=errmsg, rid=req.rid)


def refuse_register(req: Register, errno: Errno, errmsg: str) -> Event:
    return RegAck(errno=errno, errmsg=errmsg, rid=req.rid)


@dataclass(frozen=True, slots=True)
class Route:
    """How a request is handled: its msgid and handler, whether it needs a login, what it
    costs of the connection's rate limit, and how it is refused (ERROR unless `refuse`
    says otherwise: LOGIN and REG answer refusals in their own ack).

    A handler returns the reply, or an awaitable of it when it must wait: a coroutine
    (run as a task) or a future (a chat waiting for the log, which costs no task).
    """

    msgid: MsgId
    handler: Callable[[Session, Any], Event | Awaitable[Event | None] | None]
    needs_login: bool = True
    cost: float = 1.0
    refuse: Refuse | None = None

    def run(self, session: Session, request: Request) -> Event | Awaitable[Event | None] | None:
        """The handler's reply, or an awaitable of it; a failure becomes the refusal."""
        try:
            if self.needs_login and session.user is None:
                raise ChatError(Errno.NOT_LOGGED_IN, "log in first")
            return self.handler(session, request)
        except Exception as exc:
            return self._refused(session, request, exc)

    def outcome(
        self, session: Session, request: Request, done: Future[Event | None]
    ) -> Event | None:
        """The reply once the handler's awaitable is done: its result, or the refusal."""
        if done.cancelled():
            return None  # cut short by shutdown: nobody waits for it
        if (exc := done.exception()) is not None:
            return self._refused(session, request, exc)
        return done.result()

    def _refused(self, session: Session, request: Request, exc: BaseException) -> Event:
        error = failure(session.peer, self.msgid, exc)
        session.server.tally.refused(self.msgid, error.errno)
        return self.refusal(request, error.errno, error.errmsg)

    def refusal(self, request: Request, errno: Errno, errmsg: str) -> Event:
        """The reply that refuses `request`."""
        if self.refuse is not None:
            return self.refuse(request, errno, errmsg)
        return Error(errno, errmsg, re=self.msgid, rid=getattr(request, "rid", None))


ROUTES: dict[type, Route] = {
    Register: Route(MsgId.REG, register, needs_login=False, refuse=refuse_register),
    Login: Route(MsgId.LOGIN, login, needs_login=False, refuse=refuse_login),
    Ping: Route(MsgId.PING, ping, needs_login=False, cost=LIGHT),
    Logout: Route(MsgId.LOGOUT, logout),
    OneChat: Route(MsgId.ONE_CHAT, one_chat),
    AddFriend: Route(MsgId.ADD_FRIEND, add_friend),
    CreateGroup: Route(MsgId.CREATE_GROUP, create_group),
    AddGroup: Route(MsgId.ADD_GROUP, add_group),
    GroupChat: Route(MsgId.GROUP_CHAT, group_chat),
    Delivered: Route(MsgId.DELIVERED, delivered, cost=LIGHT),
    Sync: Route(MsgId.SYNC, sync),
    History: Route(MsgId.HISTORY, history),
    ChangePassword: Route(MsgId.PASSWORD, change_password),
    ChangeSettings: Route(MsgId.SETTINGS, change_settings),
    Friends: Route(MsgId.FRIENDS, friends),
    Groups: Route(MsgId.GROUPS, groups),
    Members: Route(MsgId.MEMBERS, members),
    FriendRequest: Route(MsgId.FRIEND_REQUEST, friend_request),
    FriendAnswer: Route(MsgId.FRIEND_ANSWER, friend_answer),
    FriendCancel: Route(MsgId.FRIEND_CANCEL, friend_cancel),
    Unfriend: Route(MsgId.UNFRIEND, unfriend),
    Requests: Route(MsgId.REQUESTS, requests),
    GroupInvite: Route(MsgId.GROUP_INVITE, group_invite),
    Invites: Route(MsgId.INVITES, invites),
    InviteAnswer: Route(MsgId.INVITE_ANSWER, invite_answer),
    LeaveGroup: Route(MsgId.LEAVE_GROUP, leave_group),
    RemoveMember: Route(MsgId.REMOVE_MEMBER, remove_member),
    SetRole: Route(MsgId.SET_ROLE, set_role),
    EditGroup: Route(MsgId.EDIT_GROUP, edit_group),
    FindUsers: Route(MsgId.USERS, find_users),
    Conversations: Route(MsgId.CONVERSATIONS, conversations),
    Read: Route(MsgId.READ, read),
    Typing: Route(MsgId.TYPING, typing),
    Block: Route(MsgId.BLOCK, block),
    Blocks: Route(MsgId.BLOCKS, blocks),
    MessageRequests: Route(MsgId.MESSAGE_REQUESTS, message_requests),
    MessageAnswer: Route(MsgId.MESSAGE_ANSWER, message_answer),
    ListDevices: Route(MsgId.DEVICES, list_devices),
    EndDevice: Route(MsgId.END_DEVICE, end_device),
}
