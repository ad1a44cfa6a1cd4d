"""One async function per request, and the ROUTES table that dispatches to them.

Handlers return the reply and never touch the socket; a refusal is a ChatError.
Identity always comes from the session's login, never from a field of the request.
"""

from __future__ import annotations

import contextlib
import logging
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chatapp.protocol import (
    ONLINE,
    Ack,
    AddFriend,
    AddGroup,
    Chat,
    ChatMessage,
    CreateGroup,
    Dialect,
    Errno,
    Event,
    FriendAdded,
    FriendInfo,
    GroupChat,
    GroupInfo,
    GroupMessage,
    Login,
    LoginAck,
    Logout,
    MemberInfo,
    MsgId,
    OneChat,
    Ping,
    Pong,
    RegAck,
    Register,
)

from .bus import DOORBELL, BusUnavailable
from .errors import ChatError
from .passwords import hash_password_async, verify_password_async
from .presence import announce_presence, states
from .storage import AlreadyExists, Group, NameTaken, NoSuchGroup, NoSuchUser, User

if TYPE_CHECKING:
    from .session import Session

log = logging.getLogger(__name__)

# Legacy texts, kept word for word: the original console client prints them.
BAD_CREDENTIALS = "id or password is invalid!"
ALREADY_ONLINE = "this account is using, input another!"


# --- checks shared by handlers -------------------------------------------------------


def _me(session: Session, claimed_id: int | None) -> User:
    user = session.user
    assert user is not None  # ROUTES lets no such request through before login
    if claimed_id is not None and claimed_id != user.id:
        raise ChatError(Errno.ID_MISMATCH, f"id {claimed_id} is not the logged-in user {user.id}")
    return user


def _name(value: str, limit: int, what: str) -> str:
    if not value.strip():
        raise ChatError(Errno.INVALID_ARGUMENT, f"{what} must not be empty")
    if len(value) > limit:
        raise ChatError(Errno.INVALID_ARGUMENT, f"{what} is longer than {limit} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ChatError(Errno.INVALID_ARGUMENT, f"{what} must not contain control characters")
    return value


def _text(session: Session, value: str) -> str:
    limit = session.server.config.max_message_chars
    if not value:
        raise ChatError(Errno.INVALID_ARGUMENT, "message must not be empty")
    if len(value) > limit:
        raise ChatError(Errno.INVALID_ARGUMENT, f"message is longer than {limit} characters")
    return value


def _group_info(group: Group, state: dict[int, str]) -> GroupInfo:
    users = tuple(MemberInfo(m.id, m.name, state[m.id], m.role) for m in group.members)
    return GroupInfo(group.id, group.name, group.desc, users)


# --- accounts ------------------------------------------------------------------------


async def register(session: Session, req: Register) -> Event:
    config = session.server.config
    name = _name(req.name, config.max_name_chars, "name")
    if not req.password or len(req.password) > config.max_password_chars:
        raise ChatError(
            Errno.INVALID_ARGUMENT, f"password must be 1 to {config.max_password_chars} characters"
        )
    password_hash = await hash_password_async(req.password, config.hash_cost)
    try:
        user = await session.server.storage.create_user(name, password_hash)
    except NameTaken:
        raise ChatError(Errno.NAME_TAKEN, f"name {name!r} is taken") from None
    return RegAck(id=user.id, rid=req.rid)


async def login(session: Session, req: Login) -> Event:
    if session.user is not None:
        raise ChatError(Errno.ALREADY_LOGGED_IN, "already logged in: log out first")
    server = session.server
    if req.id is not None:
        user = await server.storage.user_by_id(req.id)
    else:
        assert req.name is not None
        user = await server.storage.user_by_name(req.name)
    # An unknown account costs a hash too, so timing does not tell which accounts exist.
    stored = user.password_hash if user else server.decoy_hash
    if not await verify_password_async(req.password, stored) or user is None:
        raise ChatError(Errno.BAD_CREDENTIALS, BAD_CREDENTIALS)

    session.dialect = Dialect.V2 if req.v >= 2 else Dialect.LEGACY
    session.hold()
    if not await server.bus.attach(user.id, session.deliver):
        raise ChatError(Errno.ALREADY_ONLINE, ALREADY_ONLINE)
    session.user = user
    try:
        friends = await server.storage.friends(user.id)
        groups = await server.storage.groups_of(user.id)
        state = await states(
            server, {f.id for f in friends} | {m.id for g in groups for m in g.members}
        )
        # Taken last: once taken, the messages exist only in this reply.
        offline = await server.storage.take_offline(user.id)
    except BaseException:
        await session.leave(announce=False)
        raise
    state[user.id] = ONLINE
    session.friend_ids = {f.id for f in friends}
    await announce_presence(server, user, session.friend_ids, online=True)
    return LoginAck(
        id=user.id,
        name=user.name,
        friends=tuple(FriendInfo(f.id, f.name, state[f.id]) for f in friends),
        groups=tuple(_group_info(g, state) for g in groups),
        offlinemsg=tuple(offline),
        rid=req.rid,
    )


async def logout(session: Session, req: Logout) -> Event:
    _me(session, req.id)
    await session.leave()
    return Ack(MsgId.LOGOUT, rid=req.rid)


async def ping(session: Session, req: Ping) -> Event:
    return Pong(rid=req.rid)


# --- friends and chat ----------------------------------------------------------------


async def add_friend(session: Session, req: AddFriend) -> Event:
    me = _me(session, req.id)
    if req.friendid == me.id:
        raise ChatError(Errno.SELF_FRIEND, "you cannot add yourself as a friend")
    server = session.server
    try:
        friend = await server.storage.add_friendship(me.id, req.friendid)
    except NoSuchUser:
        raise ChatError(Errno.NO_SUCH_USER, f"no user with id {req.friendid}") from None
    except AlreadyExists:
        raise ChatError(
            Errno.ALREADY_FRIENDS, f"user {req.friendid} is your friend already"
        ) from None
    session.friend_ids.add(friend.id)
    state = await states(server, [friend.id])
    with contextlib.suppress(BusUnavailable):  # a notice; the friend sees it at login anyway
        await server.bus.publish(friend.id, FriendAdded(FriendInfo(me.id, me.name, ONLINE)))
    return Ack(
        MsgId.ADD_FRIEND, rid=req.rid, friend=FriendInfo(friend.id, friend.name, state[friend.id])
    )


async def one_chat(session: Session, req: OneChat) -> Event:
    me = _me(session, req.id)
    text = _text(session, req.msg)
    server = session.server
    time, mid, ts = server.stamp()
    message = ChatMessage(me.id, me.name, req.toid, text, time, mid, ts)
    missed = await _publish(session, [req.toid], message)
    if missed:
        if await server.storage.user_by_id(req.toid) is None:
            raise ChatError(Errno.NO_SUCH_USER, f"no user with id {req.toid}")
        await _store(session, missed, message)
    return Ack(MsgId.ONE_CHAT, rid=req.rid, mid=mid)


async def _publish(session: Session, user_ids: list[int], message: Chat) -> list[int]:
    """Publishes a chat; returns the recipients it must be stored for."""
    try:
        return await session.server.bus.publish_many(user_ids, message)
    except BusUnavailable:
        return user_ids  # stored instead; their instances look again when the bus is back


async def _store(session: Session, user_ids: list[int], message: Chat) -> None:
    await session.server.storage.store_offline(user_ids, message)
    # A recipient may have logged in since the publish: the bell makes them look.
    with contextlib.suppress(BusUnavailable):
        await session.server.bus.publish_many(user_ids, DOORBELL)


# --- groups --------------------------------------------------------------------------


async def create_group(session: Session, req: CreateGroup) -> Event:
    me = _me(session, req.id)
    config = session.server.config
    name = _name(req.groupname, config.max_name_chars, "group name")
    if len(req.groupdesc) > config.max_desc_chars:
        raise ChatError(
            Errno.INVALID_ARGUMENT, f"group description is longer than {config.max_desc_chars}"
        )
    try:
        group = await session.server.storage.create_group(name, req.groupdesc, me.id)
    except NameTaken:
        raise ChatError(Errno.NAME_TAKEN, f"group name {name!r} is taken") from None
    await _group_changed(session, group)
    return Ack(MsgId.CREATE_GROUP, rid=req.rid, groupid=group.id)


async def add_group(session: Session, req: AddGroup) -> Event:
    me = _me(session, req.id)
    server = session.server
    try:
        group = await server.storage.join_group(req.groupid, me.id)
    except NoSuchGroup:
        raise ChatError(Errno.NO_SUCH_GROUP, f"no group with id {req.groupid}") from None
    except AlreadyExists:
        raise ChatError(Errno.ALREADY_MEMBER, f"you are in group {req.groupid} already") from None
    await _group_changed(session, group)
    state = await states(server, [m.id for m in group.members])
    return Ack(MsgId.ADD_GROUP, rid=req.rid, group=_group_info(group, state))


async def _group_changed(session: Session, group: Group) -> None:
    session.server.groups.joined(group.id, frozenset(m.id for m in group.members))
    try:
        await session.server.bus.group_changed(group.id)
    except BusUnavailable as exc:
        log.warning("group %d changed, other instances not told: %s", group.id, exc)


async def group_chat(session: Session, req: GroupChat) -> Event:
    me = _me(session, req.id)
    text = _text(session, req.msg)
    server = session.server
    members = await server.groups.members(req.groupid)
    if members is None:
        raise ChatError(Errno.NO_SUCH_GROUP, f"no group with id {req.groupid}")
    if me.id not in members:
        raise ChatError(Errno.NOT_A_MEMBER, f"you are not a member of group {req.groupid}")
    time, mid, ts = server.stamp()
    message = GroupMessage(me.id, me.name, req.groupid, text, time, mid, ts)
    missed = await _publish(session, [m for m in members if m != me.id], message)
    if missed:
        await _store(session, missed, message)
    return Ack(MsgId.GROUP_CHAT, rid=req.rid, mid=mid)


# --- the table -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Route:
    """How a request is handled: its msgid, its handler, and whether it needs a login."""

    msgid: MsgId
    handler: Callable[[Session, Any], Awaitable[Event]]
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
}
