"""Groups: create a group, join a group (adding a friend is a friend request: friends.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chatapp.protocol import Ack, AddGroup, CreateGroup, Errno, Event, MsgId

from ..bus import BusUnavailable
from ..errors import ChatError
from ..storage import AlreadyExists, Group, NameTaken, NoSuchGroup
from ..text import skeleton
from . import checks

if TYPE_CHECKING:
    from ..session import Session

log = logging.getLogger(__name__)


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
