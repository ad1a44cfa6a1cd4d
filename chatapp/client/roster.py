"""The lists the client shows beside its conversations: the sidebar's rows, and what a
group's roster becomes after a GROUP_EVENT (the member list and count followed live,
without reading the members again); the friend list after a FRIEND_EVENT; and the time
a chat was taken."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from chatapp.protocol import (
    OFFLINE,
    ONLINE,
    ChatMessage,
    FriendEvent,
    FriendInfo,
    GroupEvent,
    GroupInfo,
    GroupMessage,
    MemberInfo,
)

from .conversation import ConvKey, Kind

if TYPE_CHECKING:
    from .state import ChatState


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of the sidebar; `online` is None where presence is unknown (groups, strangers)."""

    key: ConvKey
    title: str
    unread: int
    online: bool | None
    section: str
    recent: int = 0
    """The newest mid the server listed at login (0: none): the sections list those first,
    the latest first, and keep that order while the session lasts (a row is not moved on
    each message: it is redrawn in place, however long the list)."""


def chat_time(chat: ChatMessage | GroupMessage) -> datetime:
    """When the server took the message, in the client's local time."""
    if chat.ts:
        return datetime.fromtimestamp(chat.ts / 1000)
    try:
        return datetime.strptime(chat.time, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return datetime.now()


def group_after(group: GroupInfo, event: GroupEvent, me: int) -> GroupInfo | None:
    """The group after `event`; None where the user `me` left it or was removed. Paging by
    id stays right: a joiner beyond the members read yet comes with their pages."""
    who = event.user
    users = tuple(u for u in group.users if u.id != who.id)
    gone, count = len(users) < len(group.users), max(group.count, len(group.users))
    if event.event in ("left", "removed"):
        if who.id == me:
            return None
        count -= gone or len(group.users) < count
        return replace(group, users=users, count=count)
    if event.event in ("joined", "role"):
        read = group.users and (len(group.users) >= count or who.id < group.users[-1].id)
        if gone or read:  # a new role keeps the presence known; a joiner is online
            was = next((u.state for u in group.users if u.id == who.id), ONLINE)
            member = MemberInfo(who.id, who.name, was, who.role or "normal")
            users = tuple(sorted((*users, member), key=lambda u: u.id))
        count += event.event == "joined" and not gone
        return replace(group, users=users, count=count)
    if event.event == "edited" and event.group is not None:
        edit = event.group
        return replace(
            group,
            groupname=edit.groupname,
            groupdesc=edit.groupdesc,
            public=edit.public,
            history=edit.history,
        )
    return group


def sidebar_entries(state: ChatState) -> list[Entry]:
    """The sidebar rows: friends, then other people we talk to, then groups; in each, the
    latest conversations the server listed at login first (as a chat app lists them),
    then the rest by name (friends, groups) or as they came (people)."""
    friends = sorted(state.friends.values(), key=lambda f: (f.name.lower(), f.id))
    groups = sorted(state.groups.values(), key=lambda g: (g.groupname.lower(), g.id))
    people = [k for k in state.conversations if k.kind is Kind.USER and k.id not in state.friends]
    sections = (
        [ConvKey(Kind.USER, f.id) for f in friends],
        people,
        [ConvKey(Kind.GROUP, g.id) for g in groups],
    )
    entries = []
    for keys in sections:
        rows = [entry for key in keys if (entry := sidebar_entry(state, key)) is not None]
        entries += sorted(rows, key=lambda entry: -entry.recent)  # stable: ties keep order
    return entries


def sidebar_entry(state: ChatState, key: ConvKey) -> Entry | None:
    """The sidebar row of one conversation, if the sidebar lists it."""
    conv = state.conversations.get(key)
    recent = conv.last if conv is not None else 0
    if key.kind is Kind.GROUP:
        if (group := state.groups.get(key.id)) is None:
            return None
        return Entry(key, group.groupname, state.unread(key), None, "Groups", recent)
    if (friend := state.friends.get(key.id)) is not None:
        online = friend.state == ONLINE
        return Entry(key, friend.name, state.unread(key), online, "Friends", recent)
    if conv is None:
        return None
    return Entry(key, conv.title, state.unread(key), None, "People", recent)


def befriend(friends: dict[int, FriendInfo], event: FriendEvent) -> None:
    """Files a FRIEND_EVENT in the friend list: an accepted request adds, unfriending removes."""
    if event.event == "accepted":
        friends[event.user.id] = FriendInfo(event.user.id, event.user.name, event.state or OFFLINE)
    elif event.event == "removed":
        friends.pop(event.user.id, None)
