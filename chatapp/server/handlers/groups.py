"""Groups: create one, join one, invite into one and answer invitations; and how every
member is told of a change (GROUP_EVENT), here and on other instances."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from chatapp.protocol import (
    Ack,
    AddGroup,
    CreateGroup,
    Errno,
    Event,
    GroupEvent,
    GroupInvite,
    GroupSettings,
    InviteAnswer,
    InviteInfo,
    Invites,
    MsgId,
    Person,
)

from ..bus import BusUnavailable
from ..errors import ChatError
from ..storage import (
    CREATOR,
    NORMAL,
    AlreadyExists,
    Group,
    GroupFull,
    GroupProfile,
    InviteOnly,
    Membership,
    NameTaken,
    NoSuchGroup,
    NoSuchInvitation,
    NoSuchUser,
    User,
)
from ..text import skeleton
from . import checks
from .devices import echo

if TYPE_CHECKING:
    from ..session import Session

log = logging.getLogger(__name__)


async def create_group(session: Session, req: CreateGroup) -> Event:
    me = checks.me(session, req.id)
    server = session.server
    name = checks.name(req.groupname, server.config.max_name_chars, "group name")
    description(session, req.groupdesc)
    try:
        group = await server.storage.create_group(
            name,
            req.groupdesc,
            me.id,
            skeleton=skeleton(name),
            public=req.public,
            history=req.history,
            joined_mid=joining_point(session),
        )
    except NameTaken:
        raise ChatError(Errno.NAME_TAKEN, checks.taken("group name", name)) from None
    server.groups.joined(group.id, frozenset({me.id}))
    await changed(session, group.id)
    # The user's other devices hear of the group as of one they joined, with its settings.
    settings = GroupSettings(group.id, group.name, group.desc, group.public, group.history)
    await echo(
        session, GroupEvent(group.id, "joined", Person(me.id, me.name, CREATOR), None, settings)
    )
    return Ack(MsgId.CREATE_GROUP, rid=req.rid, groupid=group.id)


async def add_group(session: Session, req: AddGroup) -> Event:
    """Joins a public group, or an invite-only one the user holds an invitation into."""
    me = checks.me(session, req.id)
    server = session.server
    try:
        group = await server.storage.join_group(
            req.groupid,
            me.id,
            joined_mid=joining_point(session),
            max_members=server.config.max_group_members,
        )
    except NoSuchGroup:
        raise no_such_group(req.groupid) from None
    except AlreadyExists:
        raise ChatError(Errno.ALREADY_MEMBER, f"you are in group {req.groupid} already") from None
    except InviteOnly:
        raise ChatError(
            Errno.INVITE_ONLY, f"group {req.groupid} is invite-only: join by invitation"
        ) from None
    except GroupFull:
        raise full(session, req.groupid) from None
    await _joined(session, me, group)
    # The count, not the members: a client pages through those with MEMBERS.
    return Ack(MsgId.ADD_GROUP, rid=req.rid, group=checks.group_info(group))


async def group_invite(session: Session, req: GroupInvite) -> Event:
    """Invites a user: any member may into a public group, admins into an invite-only one."""
    me = checks.me(session, None)
    server = session.server
    profile = await group_profile(session, req.groupid)
    mine = await membership(session, req.groupid, me.id)
    if not profile.public and mine.role == NORMAL:
        raise ChatError(Errno.FORBIDDEN, "only admins invite into an invite-only group")
    invitee = await user(session, req.userid)
    if not await accepts_invitation(session, me, invitee):
        return Ack(MsgId.GROUP_INVITE, rid=req.rid, groupid=req.groupid)
    try:
        new = await server.storage.invite(
            req.groupid,
            me.id,
            invitee.id,
            int(server.clock() * 1000),
            max_pending=server.config.max_group_invites,
        )
    except NoSuchGroup:
        raise no_such_group(req.groupid) from None
    except NoSuchUser:
        raise ChatError(Errno.NO_SUCH_USER, f"no user with id {req.userid}") from None
    except AlreadyExists:
        raise ChatError(
            Errno.ALREADY_MEMBER, f"user {req.userid} is in group {req.groupid} already"
        ) from None
    except GroupFull:
        limit = server.config.max_group_invites
        raise ChatError(
            Errno.TOO_MANY_INVITES, f"group {req.groupid} has {limit} invitations waiting"
        ) from None
    if new:
        event = GroupEvent(
            req.groupid,
            "invited",
            Person(invitee.id, invitee.name),
            by=Person(me.id, me.name, mine.role),
            group=settings(profile),
        )
        await announce(session, req.groupid, event, actor=me.id, also=(invitee.id,))
    return Ack(MsgId.GROUP_INVITE, rid=req.rid, groupid=req.groupid)


async def accepts_invitation(session: Session, inviter: User, invitee: User) -> bool:
    """Whether `invitee` is to get `inviter`'s invitation: not where the invitee blocks
    the inviter. Then the invitation is neither stored nor told to anyone, and the
    inviter's ACK looks as usual."""
    return not await session.server.ties.blocked(inviter.id, invitee.id)


async def invites(session: Session, req: Invites) -> Event:
    """A page of the user's pending invitations, by group id, with who made each."""
    me = checks.me(session, None)
    config = session.server.config
    limit = checks.page_size(
        req.limit, min(config.list_page, config.max_list_page), config.max_list_page
    )
    found = await session.server.storage.invitations(me.id, req.after, limit + 1)
    infos = [
        InviteInfo(i.group_id, i.group_name, i.group_desc, Person(i.inviter_id, i.inviter_name))
        for i in found
    ]
    return checks.page(session, Ack(MsgId.INVITES, rid=req.rid), infos, limit)


async def invite_answer(session: Session, req: InviteAnswer) -> Event:
    """Accepts (joins, within the size limit) or declines an invitation, which is spent."""
    me = checks.me(session, None)
    server = session.server
    try:
        group = await server.storage.answer_invitation(
            req.groupid,
            me.id,
            req.accept,
            joined_mid=joining_point(session),
            max_members=server.config.max_group_members,
        )
    except NoSuchInvitation:
        raise ChatError(
            Errno.NO_SUCH_REQUEST, f"you hold no invitation into group {req.groupid}"
        ) from None
    except NoSuchGroup:
        raise no_such_group(req.groupid) from None
    except AlreadyExists:
        raise ChatError(Errno.ALREADY_MEMBER, f"you are in group {req.groupid} already") from None
    except GroupFull:
        raise full(session, req.groupid) from None
    if group is None:
        return Ack(MsgId.INVITE_ANSWER, rid=req.rid, groupid=req.groupid)
    await _joined(session, me, group)
    return Ack(MsgId.INVITE_ANSWER, rid=req.rid, group=checks.group_info(group))


async def _joined(session: Session, me: User, group: Group) -> None:
    session.server.groups.added(group.id, me.id)
    await changed(session, group.id)
    role = CREATOR if group.count == 1 else NORMAL  # the first into an empty group leads it
    event = GroupEvent(group.id, "joined", Person(me.id, me.name, role))
    await announce(session, group.id, event, actor=me.id)


# --- what the group handlers share -----------------------------------------------------


def joining_point(session: Session) -> int:
    """A message id of this moment: what a newcomer to a `joined` group reads from."""
    return session.server.stamps.next()[1]


def description(session: Session, desc: str) -> None:
    """Refuses a group description longer than the limit."""
    most = session.server.config.max_desc_chars
    if len(desc) > most:
        raise ChatError(Errno.INVALID_ARGUMENT, f"group description is longer than {most}")


def no_such_group(group_id: int) -> ChatError:
    return ChatError(Errno.NO_SUCH_GROUP, f"no group with id {group_id}")


def full(session: Session, group_id: int) -> ChatError:
    most = session.server.config.max_group_members
    return ChatError(Errno.GROUP_FULL, f"group {group_id} has {most} members, the most it may")


def settings(profile: GroupProfile) -> GroupSettings:
    """A group's settings as GROUP_EVENT carries them."""
    return GroupSettings(profile.id, profile.name, profile.desc, profile.public, profile.history)


async def group_profile(session: Session, group_id: int) -> GroupProfile:
    profile = await session.server.storage.group_profile(group_id)
    if profile is None:
        raise no_such_group(group_id)
    return profile


async def membership(session: Session, group_id: int, user_id: int) -> Membership:
    """The asking user's place in a group; NOT_A_MEMBER where they have none."""
    found = await session.server.storage.membership(group_id, user_id)
    if found is None:
        raise ChatError(Errno.NOT_A_MEMBER, f"you are not a member of group {group_id}")
    return found


async def user(session: Session, user_id: int) -> User:
    found = await session.server.storage.user_by_id(user_id)
    if found is None:
        raise ChatError(Errno.NO_SUCH_USER, f"no user with id {user_id}")
    return found


async def changed(session: Session, group_id: int) -> None:
    """Tells the other instances to read the group's members again."""
    try:
        await session.server.bus.group_changed(group_id)
    except BusUnavailable as exc:
        log.warning("group %d changed, other instances not told: %s", group_id, exc)


async def announce(
    session: Session, group_id: int, event: GroupEvent, *, actor: int, also: Iterable[int] = ()
) -> None:
    """Pushes `event` to every member of the group as it now is and to `also` (a user
    removed, or invited), wherever they are logged in; not to `actor`, who has the ACK.
    A notice, never stored: whoever is offline reads the group as it is when next asking.
    The actor's other devices hear it too."""
    members = await session.server.groups.members(group_id) or frozenset()
    targets = sorted((members | set(also)) - {actor})
    try:
        await session.server.bus.publish_many((uid, event) for uid in targets)
    except BusUnavailable as exc:
        log.warning("group %d: %s not told to every member: %s", group_id, event.event, exc)
    if session.user is not None and session.user.id == actor:
        await echo(session, event)
