"""Friends and groups: add a friend, create a group, join a group."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

from chatapp.protocol import (
    OFFLINE,
    ONLINE,
    Ack,
    AddFriend,
    AddGroup,
    CreateGroup,
    Errno,
    Event,
    FriendAdded,
    FriendInfo,
    MsgId,
)

from ..bus import BusUnavailable
from ..errors import ChatError
from ..presence import states
from ..storage import AlreadyExists, Group, NameTaken, NoSuchGroup, NoSuchUser
from ..text import skeleton
from . import checks

if TYPE_CHECKING:
    from ..session import Session

log = logging.getLogger(__name__)


async def add_friend(session: Session, req: AddFriend) -> Event:
    me = checks.me(session, req.id)
    if req.friendid == me.id:
        raise ChatError(Errno.SELF_FRIEND, "you cannot add yourself as a friend")
    server = session.server
    if await server.ties.blocked(me.id, req.friendid):
        return await _blocked_friend(session, req)
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
    info = FriendInfo(friend.id, friend.name, state[friend.id])
    return Ack(MsgId.ADD_FRIEND, rid=req.rid, friend=info)


async def _blocked_friend(session: Session, req: AddFriend) -> Event:
    """A user who blocks the asker is not made their friend, and the asker is not told:
    answered as if added, with the user offline."""
    user = await session.server.storage.user_by_id(req.friendid)
    assert user is not None  # blocks name existing users only
    info = FriendInfo(user.id, user.name, OFFLINE)
    return Ack(MsgId.ADD_FRIEND, rid=req.rid, friend=info)


async def create_group(session: Session, req: CreateGroup) -> Event:
    me = checks.me(session, req.id)
    config = session.server.config
    name = checks.name(req.groupname, config.max_name_chars, "group name")
    if len(req.groupdesc) > config.max_desc_chars:
        raise ChatError(
            Errno.INVALID_ARGUMENT, f"group description is longer than {config.max_desc_chars}"
        )
    try:
        group = await session.server.storage.create_group(
            name, req.groupdesc, me.id, skeleton=skeleton(name)
        )
    except NameTaken:
        raise ChatError(Errno.NAME_TAKEN, checks.taken("group name", name)) from None
    session.server.groups.joined(group.id, frozenset({me.id}))
    await _group_changed(session, group)
    return Ack(MsgId.CREATE_GROUP, rid=req.rid, groupid=group.id)


async def add_group(session: Session, req: AddGroup) -> Event:
    me = checks.me(session, req.id)
    server = session.server
    try:
        group = await server.storage.join_group(req.groupid, me.id)
    except NoSuchGroup:
        raise ChatError(Errno.NO_SUCH_GROUP, f"no group with id {req.groupid}") from None
    except AlreadyExists:
        raise ChatError(Errno.ALREADY_MEMBER, f"you are in group {req.groupid} already") from None
    server.groups.added(group.id, me.id)
    await _group_changed(session, group)
    # The count, not the members: a client pages through those with MEMBERS.
    return Ack(MsgId.ADD_GROUP, rid=req.rid, group=checks.group_info(group))


async def _group_changed(session: Session, group: Group) -> None:
    try:
        await session.server.bus.group_changed(group.id)
    except BusUnavailable as exc:
        log.warning("group %d changed, other instances not told: %s", group.id, exc)
