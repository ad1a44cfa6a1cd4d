"""The ROUTES table: every request's handler and the checks it shares with others.

Handlers return the reply and never touch the socket; a refusal is a ChatError.
Identity always comes from the session's login, never from a field of the request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chatapp.protocol import (
    AddFriend,
    AddGroup,
    CreateGroup,
    Delivered,
    Event,
    GroupChat,
    History,
    Login,
    Logout,
    MsgId,
    OneChat,
    Ping,
    Register,
    Sync,
)

from .accounts import ALREADY_ONLINE, BAD_CREDENTIALS, login, logout, ping, register
from .chat import delivered, group_chat, history, one_chat, sync
from .social import add_friend, add_group, create_group

if TYPE_CHECKING:
    from ..session import Session

__all__ = ["ALREADY_ONLINE", "BAD_CREDENTIALS", "ROUTES", "Route"]


@dataclass(frozen=True, slots=True)
class Route:
    """How a request is handled: its msgid, its handler, and whether it needs a login.

    A handler returns the reply, or an awaitable of it when it must wait: a coroutine
    (run as a task) or a future (a chat waiting for the log, which costs no task).
    """

    msgid: MsgId
    handler: Callable[[Session, Any], Event | Awaitable[Event | None] | None]
    needs_login: bool = True


ROUTES: dict[type, Route] = {
    Register: Route(MsgId.REG, register, needs_login=False),
    Login: Route(MsgId.LOGIN, login, needs_login=False),
    Ping: Route(MsgId.PING, ping, needs_login=False),
    Logout: Route(MsgId.LOGOUT, logout),
    OneChat: Route(MsgId.ONE_CHAT, one_chat),
    AddFriend: Route(MsgId.ADD_FRIEND, add_friend),
    CreateGroup: Route(MsgId.CREATE_GROUP, create_group),
    AddGroup: Route(MsgId.ADD_GROUP, add_group),
    GroupChat: Route(MsgId.GROUP_CHAT, group_chat),
    Delivered: Route(MsgId.DELIVERED, delivered),
    Sync: Route(MsgId.SYNC, sync),
    History: Route(MsgId.HISTORY, history),
}
