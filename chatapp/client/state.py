"""ChatState: what the client knows (friends, groups, conversations, unread counts), no Textual."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime

from chatapp.protocol import (
    OFFLINE,
    Chat,
    FriendAdded,
    FriendEvent,
    FriendInfo,
    GroupEvent,
    GroupInfo,
    GroupMessage,
    LoginAck,
    MemberInfo,
    Presence,
)

from .conversation import Conversation, ConvKey, Delivery, Kind, Line
from .net import LinkChanged, LinkState
from .roster import Entry, befriend, chat_time, group_after, sidebar_entries, sidebar_entry


@dataclass
class ChatState:
    """The client's model; screens read it and the app changes it as events arrive."""

    server: str = ""
    user_id: int = 0
    user_name: str = ""
    link: LinkChanged = field(default_factory=lambda: LinkChanged(LinkState.OFFLINE))
    friends: dict[int, FriendInfo] = field(default_factory=dict)
    groups: dict[int, GroupInfo] = field(default_factory=dict)
    conversations: dict[ConvKey, Conversation] = field(default_factory=dict)
    active: ConvKey | None = None
    _serials: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _own: dict[int, tuple[Conversation, Line]] = field(default_factory=dict)

    def reset(self) -> None:
        """Forgets the session (after logout), keeping the server address."""
        fresh = ChatState(server=self.server, link=self.link)
        for f in fields(self):
            setattr(self, f.name, getattr(fresh, f.name))

    def apply_login(self, ack: LoginAck) -> list[tuple[Conversation, Line]]:
        """Takes the first page of friends and groups from a login (the session asks for
        the rest), keeping the members read of groups known before; offline messages not
        seen yet arrive unread."""
        if ack.id != self.user_id:
            self.reset()
        self.user_id, self.user_name = ack.id, ack.name
        self.friends = {f.id: f for f in ack.friends}
        known, self.groups = self.groups, {}
        for group in ack.groups:
            before = known.get(group.id)
            self.groups[group.id] = replace(group, users=before.users) if before else group
        for conv in self.conversations.values():
            conv.title = self.title(conv.key)
        arrivals = (self.receive(chat) for chat in ack.offlinemsg)
        return [arrival for arrival in arrivals if arrival is not None]

    def title(self, key: ConvKey, fallback: str = "") -> str:
        """The name shown for a conversation."""
        if key.kind is Kind.GROUP:
            group = self.groups.get(key.id)
            return group.groupname if group else fallback or f"group {key.id}"
        friend = self.friends.get(key.id)
        if friend:
            return friend.name
        known = self.conversations.get(key)
        return fallback or (known.title if known else f"user {key.id}")

    def title_wanted(self, key: ConvKey) -> bool:
        """The conversation's title waits for the server: a group's members are not known,
        or a user who is no friend is known by number only."""
        if key.kind is Kind.GROUP:
            return self.members_wanted(key)
        return key.id not in self.friends and self.title(key) == f"user {key.id}"

    def named(self, key: ConvKey, name: str) -> Conversation:
        """The conversation with user `key`, titled `name` (as the server or their messages
        name them) unless they are a friend, whose name the friend list gives."""
        conv = self.conversation(key, name)
        if key.id not in self.friends and name:
            conv.title = name
        return conv

    def find(self, user: int | str) -> ConvKey | None:
        """The conversation `/msg` means, if known here: a friend's (by id, or by name in any
        case) or one already listed (by id, or by its exact title)."""
        if isinstance(user, int):
            key = ConvKey(Kind.USER, user)
            return key if user in self.friends or key in self.conversations else None
        friends = (f.id for f in self.friends.values() if f.name.lower() == user.lower())
        if (found := next(friends, None)) is not None:
            return ConvKey(Kind.USER, found)
        listed = (k for k, c in self.conversations.items() if k.kind is Kind.USER)
        return next((k for k in listed if self.conversations[k].title == user), None)

    def close(self, key: ConvKey | None = None) -> Conversation | None:
        """Forgets a conversation (the open one by default), its pending lines with it; a
        friend or a group stays listed, and opening it again loads its history afresh."""
        key = key or self.active
        conv = self.conversations.pop(key, None) if key is not None else None
        if key is not None and key == self.active:
            self.active = None
        self._own = {s: (c, line) for s, (c, line) in self._own.items() if c is not conv}
        return conv

    def conversation(self, key: ConvKey, fallback: str = "") -> Conversation:
        """The conversation for `key`, created empty the first time."""
        conv = self.conversations.get(key)
        if conv is None:
            conv = self.conversations[key] = Conversation(key, self.title(key, fallback))
        return conv

    def receive(self, chat: Chat) -> tuple[Conversation, Line] | None:
        """Files an incoming message, unread unless its conversation is open; None for a
        message shown already (it can come again, and by more than one way)."""
        key = self.key_of(chat)
        conv = self._learn(self.conversation(key), [chat])
        if self._claimed(conv, chat):
            return None
        line = self._line(chat)
        line.note = "from another device" if line.own else ""  # not ours here: a SENT copy
        if not conv.add([line]):
            return None
        if conv.key != self.active and not line.own:  # ours, from another device: read
            conv.unread += 1
        return conv, line

    def add_history(
        self, key: ConvKey, page: Iterable[Chat], more: bool, error: str = ""
    ) -> Conversation:
        """Files a page of history (newest first) among what is shown, none of it unread."""
        page = list(page)
        conv = self._learn(self.conversation(key), page)
        lines = [self._line(chat) for chat in page]
        conv.add(lines[::-1])
        paging = conv.paging
        paging.loading, paging.error = False, error
        if not error:
            paging.complete = not more
            paging.before = min((line.mid for line in lines), default=paging.before)
        return conv

    def _learn(self, conv: Conversation, chats: Iterable[Chat]) -> Conversation:
        """Titles a conversation with somebody who is no friend by the name their own
        messages carry (the sender's name as it is now)."""
        key = conv.key
        if key.kind is Kind.USER and key.id not in self.friends:
            names = (c.name for c in chats if c.id == key.id and not isinstance(c, GroupMessage))
            conv.title = next(names, "") or conv.title
        return conv

    def key_of(self, chat: Chat) -> ConvKey:
        """The conversation a chat belongs to."""
        if isinstance(chat, GroupMessage):
            return ConvKey(Kind.GROUP, chat.groupid)
        return ConvKey(Kind.USER, chat.id if chat.id != self.user_id else chat.toid)

    def _line(self, chat: Chat) -> Line:
        own = chat.id == self.user_id
        delivery = Delivery.SENT if own else Delivery.RECEIVED
        return Line(chat.id, chat.name, chat.msg, chat_time(chat), own, delivery, mid=chat.mid)

    def add_own(self, key: ConvKey, text: str, when: datetime) -> Line:
        """Files a message the user is sending; it stays pending until the server acks it."""
        line = Line(self.user_id, self.user_name, text, when, True, Delivery.PENDING)
        line.serial = next(self._serials)
        conv = self.conversation(key)
        self._own[line.serial] = (conv, line)
        conv.lines.append(line)
        return line

    def set_delivery(
        self, serial: int, delivery: Delivery, note: str = "", mid: int = 0
    ) -> tuple[Conversation, Line, bool] | None:
        """Records the fate of one of our messages and its mid; the flag says whether the
        order changed (the line moved to its place, or gave way to a copy from history)."""
        conv, line = self._own.pop(serial, (None, None))
        if conv is None or line is None:
            return None
        line.delivery, line.note = delivery, note
        if delivery is Delivery.PENDING:
            self._own[serial] = (conv, line)
        if not mid or line.mid == mid:  # the line has its mid already: its copy came first
            return conv, line, False
        before = conv.lines.index(line)
        kept = conv.confirm(line, mid)
        return conv, line, not kept or conv.lines.index(line) != before

    def _claimed(self, conv: Conversation, chat: Chat) -> bool:
        """Whether `chat` is the server's copy of one of our lines still waiting in `conv`
        (it comes after a reconnect that lost the ACK): that line takes its mid and keeps
        the time it was shown with, rather than a second line with another time."""
        if chat.id != self.user_id or not chat.mid:
            return False
        waiting = [
            line
            for c, line in self._own.values()
            if c is conv and not line.mid and line.text == chat.msg
        ]
        if not waiting or any(line.mid == chat.mid for line in conv.lines):
            return False
        conv.confirm(min(waiting, key=lambda line: line.serial), chat.mid)
        return True

    def open(self, key: ConvKey) -> Conversation:
        """Makes `key` the active conversation and marks it read."""
        conv = self.conversation(key)
        conv.open(again=key == self.active)  # the divider goes above its unread messages
        self.active = key
        return conv

    def presence(self, event: Presence) -> None:
        """A friend came online or went offline."""
        self.friends[event.id] = FriendInfo(event.id, event.name, event.state)

    def add_friend(self, friend: FriendInfo) -> None:
        """Someone became a friend, by our request or theirs."""
        self.friends[friend.id] = friend
        if (conv := self.conversations.get(ConvKey(Kind.USER, friend.id))) is not None:
            conv.title = friend.name

    def add_group(self, group: GroupInfo) -> None:
        """We created or joined a group, or a page of our groups came."""
        self.groups[group.id] = group
        if (conv := self.conversations.get(ConvKey(Kind.GROUP, group.id))) is not None:
            conv.title = group.groupname

    def add_members(self, group_id: int, page: Iterable[MemberInfo]) -> None:
        """A page of a group's members came: those after the members known are added (a
        page asked for twice is added once)."""
        if (group := self.groups.get(group_id)) is not None:
            last = group.users[-1].id if group.users else None
            fresh = [m for m in page if last is None or m.id > last]
            self.groups[group_id] = replace(group, users=(*group.users, *fresh))

    def pushed(self, event: Presence | FriendAdded | FriendEvent | GroupEvent) -> ConvKey | None:
        """Files what the server pushed besides chats; the conversation whose row alone
        changed (a presence), or None where the lists or a title may have."""
        if isinstance(event, Presence):
            self.presence(event)
            return ConvKey(Kind.USER, event.id)
        if isinstance(event, FriendAdded):
            self.add_friend(event.friend)
        elif isinstance(event, FriendEvent):
            befriend(self.friends, event)
        else:
            self.group_event(event)
        return None

    def group_event(self, event: GroupEvent) -> None:
        """A member joined, left or was removed, or changed role, or the group was edited:
        the member list and count follow live (roster.group_after says how)."""
        if (group := self.groups.get(event.groupid)) is None:
            return
        after = group_after(group, event, self.user_id)
        if after is None:
            del self.groups[group.id]
        elif after.groupname != group.groupname:
            self.add_group(after)
        else:
            self.groups[group.id] = after

    def set_link(self, change: LinkChanged) -> bool:
        """The link changed; while it is down nobody's presence is known, so friends show
        offline until the next login's snapshot. True if a friend's presence changed."""
        self.link = change
        if change.state is LinkState.ONLINE:
            return False
        online = [f for f in self.friends.values() if f.state != OFFLINE]
        for friend in online:
            self.friends[friend.id] = replace(friend, state=OFFLINE)
        return bool(online)

    def members_wanted(self, key: ConvKey) -> bool:
        """The conversation is a group whose members are not known yet."""
        group = self.groups.get(key.id) if key.kind is Kind.GROUP else None
        return group is not None and not group.users and group.count > 0

    def unread(self, key: ConvKey) -> int:
        conv = self.conversations.get(key)
        return conv.unread if conv else 0

    def entries(self) -> list[Entry]:
        """The sidebar rows: friends, then other people we talk to, then groups."""
        return sidebar_entries(self)

    def entry(self, key: ConvKey) -> Entry | None:
        """The sidebar row of one conversation, if the sidebar lists it."""
        return sidebar_entry(self, key)
