"""The group commands run (/invite, /invites, /accept-invite, /decline-invite, /kick, /role,
/group; and the member pane's next page): their requests, their answers filed in the state
and told back as text; the notices of pushed group events. No Textual."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from chatapp.protocol import (
    Ack,
    EditGroup,
    GroupEvent,
    GroupInfo,
    GroupInvite,
    InviteAnswer,
    Invites,
    Person,
    RemoveMember,
    SetRole,
)

from .conversation import ConvKey, Kind
from .group_commands import MORE_MEMBERS, WAITING, GroupAct
from .net import ClientError, RequestFailed
from .wording import refused

if TYPE_CHECKING:
    from .session import Session
    from .state import ChatState

ROLE_NAMES = {"creator": "creator", "admin": "admin", "normal": "member", "member": "member"}
"""A role as the client calls it: the server lists a plain member as `normal`."""


async def run(session: Session, act: GroupAct) -> tuple[str, ConvKey | None]:
    """Runs one group command: what to tell the user, and the conversation to open."""
    if act.verb == "invites":
        return await _invites(session), None
    if act.verb == WAITING:
        return await _waiting(session), None
    if act.verb in ("accept-invite", "decline-invite"):
        return await _answer(session, act.group or 0, act.verb == "accept-invite")
    group_id = _group_id(session.state, act.group, act.verb)
    if act.verb == MORE_MEMBERS:
        await session.more_members(group_id)
        return "", None
    if act.verb == "group":
        if act.setting:
            return await _edit(session, group_id, act.setting, act.value), None
        return describe(session.state, group_id), None
    user_id, name = await _user(session, group_id, act.target or "")
    who, where = f"{name} (#{user_id})", _name(session.state, group_id)
    if act.verb == "invite":
        await _ask(session, GroupInvite(group_id, user_id))
        return f"Invited {who} into {where}", None
    if act.verb == "kick":
        await _ask(session, RemoveMember(group_id, user_id))
        session.state.group_event(GroupEvent(group_id, "removed", Person(user_id, name)))
        return f"Removed {who} from {where}", None
    if act.verb == "role":
        await _ask(session, SetRole(group_id, user_id, act.value))
        role = "admin" if act.value == "admin" else "normal"
        session.state.group_event(GroupEvent(group_id, "role", Person(user_id, name, role)))
        return f"{who} is now {act.value} of {where}", None
    raise ClientError(f"unknown command /{act.verb}")


def notice(event: GroupEvent, state: ChatState | None) -> str | None:
    """What to tell the user of a group event that concerns them: an invitation (and how
    to answer it), their removal, their new role. The rest shows in the member pane."""
    me = state.user_id if state is not None else 0
    if event.user.id != me:
        return None
    by = f"{event.by.name} (#{event.by.id})" if event.by is not None else "The server"
    gid = event.groupid
    if event.group is not None:
        where = f"{event.group.groupname} (group {gid})"
    else:
        where = _name(state, gid) if state is not None else f"group {gid}"
    if event.event == "invited":
        return _invitation(by, where, gid)
    if event.event == "removed":
        return f"{by} removed you from {where}"
    if event.event == "role" and event.user.role:
        return f"You are now {ROLE_NAMES.get(event.user.role, event.user.role)} of {where}"
    return None


def _invitation(by: str, where: str, group_id: int) -> str:
    """An invitation told, and how to answer it."""
    answers = f"/accept-invite {group_id} or /decline-invite {group_id}"
    return f"{by} invited you into {where}: {answers}"


def describe(state: ChatState, group_id: int) -> str:
    """What /group shows: the group's name, description, privacy, members and how to change
    them."""
    group = state.groups.get(group_id)
    if group is None:
        raise ClientError(f"You are not in group {group_id}: /join {group_id} or an invitation")
    mine = next((u.role for u in group.users if u.id == state.user_id), None)
    you = f" · you: {ROLE_NAMES.get(mine, mine)}" if mine else ""
    joins = "public: anyone may join" if group.public else "private: invite only"
    reads = "everything" if group.history == "all" else "from their joining on"
    desc = f": {group.groupdesc}" if group.groupdesc else ""
    return "\n".join(
        (
            f"{group.groupname} (group {group.id}){desc}",
            joins,
            f"newcomers read {reads}",
            f"{group.count or len(group.users):,} members{you}",
            "/group name|desc|private|history <value>",
        )
    )


async def _edit(session: Session, group_id: int, setting: str, value: str) -> str:
    """Changes one setting of the group (EDIT_GROUP) and files it: the server tells the
    other members, not the one who asked."""
    ask = EditGroup(
        group_id,
        name=value if setting == "name" else None,
        desc=value if setting == "desc" else None,
        public=value == "off" if setting == "private" else None,
        history=value if setting == "history" else None,
    )
    await _ask(session, ask)
    if (group := session.state.groups.get(group_id)) is not None:
        session.state.add_group(
            replace(
                group,
                groupname=ask.name or group.groupname,
                groupdesc=group.groupdesc if ask.desc is None else ask.desc,
                public=group.public if ask.public is None else ask.public,
                history=ask.history or group.history,
            )
        )
    return describe(session.state, group_id)


async def _invites(session: Session) -> str:
    reply = await _ask(session, Invites())
    lines = [
        f"{i.groupname} (group {i.id}), from {i.by.name} (#{i.by.id}): "
        f"/accept-invite {i.id} or /decline-invite {i.id}"
        for i in reply.invites or ()
    ]
    if reply.more:
        lines.append("…and more: answer these first")
    return "\n".join(lines) or "No invitations into groups"


async def _waiting(session: Session) -> str:
    """What invitations wait, told once at login (the server tells of them live only);
    nothing where none do, or where the server cannot say now."""
    try:
        reply = await session.link().request(Invites(limit=2))
    except ClientError:
        return ""
    found = reply.invites or ()
    if len(found) == 1 and not reply.more:
        i = found[0]
        return _invitation(f"{i.by.name} (#{i.by.id})", f"{i.groupname} (group {i.id})", i.id)
    return "Invitations into groups wait for your answer: /invites lists them" if found else ""


async def _answer(session: Session, group_id: int, accept: bool) -> tuple[str, ConvKey | None]:
    reply = await _ask(session, InviteAnswer(group_id, accept))
    if not accept:
        return f"Declined the invitation into group {group_id}", None
    group = reply.group or GroupInfo(group_id, f"group {group_id}", "")
    session.state.add_group(group)
    return f"Joined {group.groupname} (group {group_id})", ConvKey(Kind.GROUP, group_id)


GroupRequest = GroupInvite | RemoveMember | SetRole | EditGroup | Invites | InviteAnswer


async def _ask(session: Session, request: GroupRequest) -> Ack:
    """Sends a group request; its refusal in plain words, as it means for that request."""
    try:
        return await session.link().request(request)
    except RequestFailed as exc:
        raise ClientError(refused(request.MSGID, exc)) from exc


def _group_id(state: ChatState, group_id: int | None, verb: str) -> int:
    if group_id is not None:
        return group_id
    if state.active is None or state.active.kind is not Kind.GROUP:
        raise ClientError(f"No group is open: name one, as in /{verb} … <groupid>")
    return state.active.id


def _name(state: ChatState, group_id: int) -> str:
    """The group's name and id; a group the user is out of already is named as its
    conversation was."""
    plain = f"group {group_id}"
    group, conv = state.groups.get(group_id), state.conversations.get(ConvKey(Kind.GROUP, group_id))
    name = group.groupname if group else conv.title if conv else plain
    return plain if name == plain else f"{name} ({plain})"


async def _user(session: Session, group_id: int, target: int | str) -> tuple[int, str]:
    """The id and name of user `target` (an id, or a name in any case): a member of the
    group known here, else as the server knows them (USERS)."""
    group = session.state.groups.get(group_id)
    for member in group.users if group else ():
        if member.id == target or (
            isinstance(target, str) and member.name.lower() == target.lower()
        ):
            return member.id, member.name
    return await session.who_is(target)
