"""Roles in a group: leaving it, removing a member, promoting and demoting, editing it.

Who may do what: the creator removes anybody but itself, an admin only plain members;
the creator and admins promote members to admin; only the creator demotes an admin
(an admin may also step down); nobody changes the creator's role. Admins and the creator
edit the group. A creator who leaves passes the role on (storage.drop_member says to whom).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatapp.protocol import (
    Ack,
    EditGroup,
    Errno,
    Event,
    GroupEvent,
    LeaveGroup,
    MsgId,
    Person,
    RemoveMember,
    SetRole,
)

from ..errors import ChatError
from ..storage import (
    ADMIN,
    CREATOR,
    NORMAL,
    Departure,
    GroupEdit,
    Membership,
    NameTaken,
    NoSuchGroup,
    NotAMember,
    User,
)
from ..text import skeleton
from . import checks
from .groups import (
    announce,
    changed,
    description,
    group_profile,
    membership,
    no_such_group,
    settings,
    user,
)

if TYPE_CHECKING:
    from ..session import Session


async def leave_group(session: Session, req: LeaveGroup) -> Event:
    me = checks.me(session, None)
    departure = await _drop(session, req.groupid, me.id)
    event = GroupEvent(req.groupid, "left", Person(me.id, me.name, departure.role))
    await _gone(session, req.groupid, me, event, departure)
    return Ack(MsgId.LEAVE_GROUP, rid=req.rid, groupid=req.groupid)


async def remove_member(session: Session, req: RemoveMember) -> Event:
    me = checks.me(session, None)
    if req.userid == me.id:
        raise ChatError(Errno.FORBIDDEN, "you cannot remove yourself: leave with LEAVE_GROUP")
    mine, target, theirs = await _parties(session, me, req.groupid, req.userid)
    if not (mine.role == CREATOR or (mine.role == ADMIN and theirs.role == NORMAL)):
        raise ChatError(Errno.FORBIDDEN, f"you may not remove a member who is {theirs.role}")
    departure = await _drop(session, req.groupid, target.id)
    event = GroupEvent(
        req.groupid,
        "removed",
        Person(target.id, target.name, departure.role),
        by=Person(me.id, me.name, mine.role),
    )
    await _gone(session, req.groupid, me, event, departure, also=target.id)
    return Ack(MsgId.REMOVE_MEMBER, rid=req.rid, groupid=req.groupid)


async def set_role(session: Session, req: SetRole) -> Event:
    me = checks.me(session, None)
    role = ADMIN if req.role == "admin" else NORMAL
    mine, target, theirs = await _parties(session, me, req.groupid, req.userid)
    if theirs.role == CREATOR:
        raise ChatError(Errno.FORBIDDEN, "the creator's role cannot be changed")
    demoting_admin = theirs.role == ADMIN and role == NORMAL
    if mine.role == NORMAL or (demoting_admin and mine.role != CREATOR and target.id != me.id):
        raise ChatError(Errno.FORBIDDEN, f"you may not make this member {req.role}")
    if theirs.role != role:
        try:
            await session.server.storage.set_role(req.groupid, target.id, role)
        except NotAMember:
            raise _not_member(target.id, req.groupid) from None
        event = GroupEvent(
            req.groupid,
            "role",
            Person(target.id, target.name, role),
            by=Person(me.id, me.name, mine.role),
        )
        await announce(session, req.groupid, event, actor=me.id)
    return Ack(MsgId.SET_ROLE, rid=req.rid, groupid=req.groupid)


async def edit_group(session: Session, req: EditGroup) -> Event:
    me = checks.me(session, None)
    server = session.server
    await checks.member_of(session, me, req.groupid)
    mine = await membership(session, req.groupid, me.id)
    if mine.role == NORMAL:
        raise ChatError(Errno.FORBIDDEN, "only admins edit a group")
    name = None
    if req.name is not None:
        name = checks.name(req.name, server.config.max_name_chars, "group name")
    if req.desc is not None:
        description(session, req.desc)
    edit = GroupEdit(name, req.desc, req.public, req.history)
    if not edit.columns():
        await group_profile(session, req.groupid)
        return Ack(MsgId.EDIT_GROUP, rid=req.rid, groupid=req.groupid)
    try:
        profile = await server.storage.edit_group(
            req.groupid, edit, skeleton=None if name is None else skeleton(name)
        )
    except NoSuchGroup:
        raise no_such_group(req.groupid) from None
    except NameTaken:
        raise ChatError(Errno.NAME_TAKEN, checks.taken("group name", name or "")) from None
    event = GroupEvent(
        req.groupid, "edited", Person(me.id, me.name, mine.role), group=settings(profile)
    )
    await announce(session, req.groupid, event, actor=me.id)
    return Ack(MsgId.EDIT_GROUP, rid=req.rid, groupid=req.groupid)


async def _parties(
    session: Session, me: User, group_id: int, user_id: int
) -> tuple[Membership, User, Membership]:
    """The asking member's place, the user they name, and that user's place."""
    await checks.member_of(session, me, group_id)
    mine = await membership(session, group_id, me.id)
    target = await user(session, user_id)
    theirs = await session.server.storage.membership(group_id, user_id)
    if theirs is None:
        raise _not_member(user_id, group_id)
    return mine, target, theirs


async def _drop(session: Session, group_id: int, user_id: int) -> Departure:
    try:
        return await session.server.storage.drop_member(group_id, user_id)
    except NoSuchGroup:
        raise no_such_group(group_id) from None
    except NotAMember:
        if user_id == checks.me(session, None).id:
            raise ChatError(
                Errno.NOT_A_MEMBER, f"you are not a member of group {group_id}"
            ) from None
        raise _not_member(user_id, group_id) from None


async def _gone(
    session: Session,
    group_id: int,
    me: User,
    event: GroupEvent,
    departure: Departure,
    *,
    also: int | None = None,
) -> None:
    """A member is out: no chat of the group reaches them from now on, here or on another
    instance; the rest are told, and so is the one removed; then who leads it now."""
    session.server.groups.removed(group_id, event.user.id)
    await changed(session, group_id)
    await announce(session, group_id, event, actor=me.id, also=() if also is None else (also,))
    if (heir := departure.successor) is not None:
        promoted = GroupEvent(group_id, "role", Person(heir.id, heir.name, CREATOR))
        await announce(session, group_id, promoted, actor=me.id)


def _not_member(user_id: int, group_id: int) -> ChatError:
    return ChatError(Errno.NOT_A_MEMBER, f"user {user_id} is not a member of group {group_id}")
