"""The social and device commands (/requests, /accept, /block, /leave, /who, /devices...):
each one's requests, its answer filed in the state and told back as text; no Textual."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from chatapp.protocol import (
    OFFLINE,
    Block,
    Blocks,
    DeviceInfo,
    EndDevice,
    FindUsers,
    FriendAdded,
    FriendAnswer,
    FriendEvent,
    FriendInfo,
    GroupEvent,
    LeaveGroup,
    ListDevices,
    Requests,
    Unfriend,
)

from . import social_groups
from .commands import Social
from .conversation import ConvKey, Kind
from .group_commands import GroupAct
from .net import ClientError

if TYPE_CHECKING:
    from .session import Session
    from .state import ChatState

NOTICES = {
    "request": "{who} asked to be your friend: /accept {id} or /decline {id}",
    "accepted": "{who} accepted: you are friends now",
    "declined": "{who} declined your friend request",
    "cancelled": "{who} withdrew their friend request",
    "removed": "{who} ended your friendship",
}


def notice(event: object, state: ChatState | None = None) -> str | None:
    """What to tell the user of a pushed event, if anything: a new friend, a friend request
    (and how to accept it), its answer; an invitation into a group (social_groups.notice)."""
    if isinstance(event, GroupEvent):
        return social_groups.notice(event, state)
    if isinstance(event, FriendAdded):
        return f"{event.friend.name} (#{event.friend.id}) added you as a friend"
    if isinstance(event, FriendEvent) and event.event in NOTICES:
        who = f"{event.user.name} (#{event.user.id})"
        return NOTICES[event.event].format(who=who, id=event.user.id)
    return None


async def run(session: Session, command: Social) -> tuple[str, ConvKey | None]:
    """Runs one Social command: what to tell the user, and the conversation to open (none)."""
    if isinstance(command, GroupAct):
        return await social_groups.run(session, command)
    verb, target = command.verb, command.target
    if verb in LISTS:
        return await LISTS[verb](session, target), None
    if verb == "leave":
        return await _leave(session, target if isinstance(target, int) else None), None
    if verb == "logout-device":
        await session.link().request(EndDevice(device=int(target or 0)))
        return f"Device {target} is logged out", None
    user_id, name = await session.who_is(target or "")
    who = f"{name} (#{user_id})"
    match verb:
        case "accept":
            ack = await session.link().request(FriendAnswer(user_id, accept=True))
            session.state.add_friend(ack.friend or FriendInfo(user_id, name, ack.state or OFFLINE))
            return f"{who} is a friend now", None
        case "decline":
            await session.link().request(FriendAnswer(user_id, accept=False))
            return f"Declined {who}'s friend request", None
        case "unfriend":
            await session.link().request(Unfriend(user_id))
            session.state.friends.pop(user_id, None)
            return f"{who} is no longer a friend", None
        case "block" | "unblock":
            await session.link().request(Block(user_id, block=verb == "block"))
            return f"{who} is {verb}ed", None
    raise ClientError(f"unknown command /{verb}")


async def _leave(session: Session, group_id: int | None) -> str:
    state = session.state
    if group_id is None:
        if state.active is None or state.active.kind is not Kind.GROUP:
            raise ClientError("No group is open: /leave <groupid>")
        group_id = state.active.id
    await session.link().request(LeaveGroup(group_id))
    group = state.groups.pop(group_id, None)
    state.close(ConvKey(Kind.GROUP, group_id))
    name = group.groupname if group is not None else "group"
    return f"Left {name} (id {group_id})"


async def _requests(session: Session, _: object) -> str:
    lines = []
    for direction, title in (("in", "Asked you"), ("out", "You asked")):
        found = (await session.link().request(Requests(direction))).requests or ()
        people = ", ".join(f"{r.name} (#{r.id})" for r in found) or "nobody"
        lines.append(f"{title}: {people}")
    return "\n".join(lines)


async def _blocked(session: Session, _: object) -> str:
    found = (await session.link().request(Blocks())).blocked or ()
    return "Blocked: " + (", ".join(f"{u.name} (#{u.id})" for u in found) or "nobody")


async def _who(session: Session, prefix: object) -> str:
    reply = await session.link().request(FindUsers(prefix=str(prefix)))
    found = reply.users or ()
    if not found:
        return f"Nobody's name starts with {prefix}"
    lines = [f"#{u.id} {u.name}: /msg {u.id}" for u in found]
    if reply.more:  # the server pages no further (docs/protocol.md, USERS)
        lines.append(f"…and more: type more of the name than {prefix}")
    return "\n".join(lines)


async def _devices(session: Session, _: object) -> str:
    devices = (await session.link().request(ListDevices())).devices or ()
    return device_list(devices)


def device_list(devices: Iterable[DeviceInfo]) -> str:
    """The /devices answer: a device a line, this one first, then the online ones."""
    lines = []
    for d in sorted(devices, key=lambda d: (not d.current, not d.online, -d.seen)):
        seen = datetime.fromtimestamp(d.seen / 1000).strftime("%Y-%m-%d %H:%M") if d.seen else ""
        status = "online now" if d.online else f"last seen {seen}" if seen else "never seen"
        here = "this device: " if d.current else ""
        where = f" from {d.address}" if d.address else ""
        lines.append(f"• {here}{d.name} (id {d.id}), {status}{where}")
    if not lines:
        return "No devices"
    return "Your devices (/logout-device <id> ends one):\n" + "\n".join(lines)


LISTS = {"requests": _requests, "blocked": _blocked, "who": _who, "devices": _devices}
