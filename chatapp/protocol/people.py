"""Finding people, conversations, read markers and typing: USERS, CONVERSATIONS, READ and
TYPING, the items their pages hold, and the RECEIPT and TYPING notices the server pushes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .chats import Chat, chat_from_wire
from .codes import Dialect, MsgId
from .errors import Rid
from .fields import Fields
from .parts import Wire, optional, with_rid


@dataclass(frozen=True, slots=True)
class FindUsers:
    """USERS: one user by exact `name` or by `id`, or those whose name starts with `prefix`
    (case-insensitive, only users who let themselves be found), at most `limit`."""

    MSGID: ClassVar[MsgId] = MsgId.USERS

    name: str | None = None
    id: int | None = None
    prefix: str | None = None
    limit: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        fields = {"name": self.name, "id": self.id, "prefix": self.prefix, "limit": self.limit}
        return with_rid(optional({"msgid": MsgId.USERS}, **fields), self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> FindUsers:
        req = cls(
            name=f.opt_str("name"),
            id=f.opt_int("id"),
            prefix=f.opt_str("prefix"),
            limit=f.opt_int("limit"),
            rid=f.rid,
        )
        if sum(value is not None for value in (req.name, req.id, req.prefix)) != 1:
            raise f.fail("USERS needs exactly one of 'name', 'id' and 'prefix'")
        return req


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A user as USERS lists them: id and name."""

    id: int
    name: str

    def to_wire(self) -> Wire:
        return {"id": self.id, "name": self.name}

    @classmethod
    def from_wire(cls, f: Fields) -> UserInfo:
        return cls(f.req_int("id"), f.req_str("name"))


@dataclass(frozen=True, slots=True)
class Conversations:
    """CONVERSATIONS: the user's conversations whose last message is older than message
    `before` (from the newest), newest first, at most `limit`."""

    MSGID: ClassVar[MsgId] = MsgId.CONVERSATIONS

    before: int | None = None
    limit: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj = optional({"msgid": MsgId.CONVERSATIONS}, before=self.before, limit=self.limit)
        return with_rid(obj, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> Conversations:
        return cls(before=f.opt_int("before"), limit=f.opt_int("limit"), rid=f.rid)


@dataclass(frozen=True, slots=True)
class ConversationInfo:
    """A conversation as CONVERSATIONS lists it: with user `peer` or in group `group` (each
    {id, name}), its `last` message as a chat event carries it (its text cut short where
    `cut`), the user's read marker `read` (0: none) and `unread`, the messages of others
    after the marker, counted up to the server's cap."""

    peer: UserInfo | None
    group: UserInfo | None
    last: Chat
    read: int
    unread: int
    cut: bool = False

    def to_wire(self) -> Wire:
        obj: Wire = {}
        if self.peer is not None:
            obj["peer"] = self.peer.to_wire()
        if self.group is not None:
            obj["group"] = self.group.to_wire()
        obj.update(last=self.last.to_wire(Dialect.V2), read=self.read, unread=self.unread)
        if self.cut:
            obj["cut"] = True
        return obj

    @classmethod
    def from_wire(cls, f: Fields) -> ConversationInfo:
        peer, group, last = f.opt_sub("peer"), f.opt_sub("group"), f.opt_sub("last")
        if last is None:
            raise f.fail("field 'last' is missing")
        return cls(
            peer=UserInfo.from_wire(peer) if peer is not None else None,
            group=UserInfo.from_wire(group) if group is not None else None,
            last=chat_from_wire(last),
            read=f.opt_int("read") or 0,
            unread=f.opt_int("unread") or 0,
            cut=f.flag("cut"),
        )


@dataclass(frozen=True, slots=True)
class Read:
    """READ: the user has read message `mid` of the conversation with user `peer` or in
    group `groupid`, and everything before it."""

    MSGID: ClassVar[MsgId] = MsgId.READ

    mid: int
    peer: int | None = None
    groupid: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj = optional({"msgid": MsgId.READ}, peer=self.peer, groupid=self.groupid)
        obj["mid"] = self.mid
        return with_rid(obj, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> Read:
        peer, groupid = _one_conversation(f)
        return cls(mid=f.req_int("mid"), peer=peer, groupid=groupid, rid=f.rid)


@dataclass(frozen=True, slots=True)
class Receipt:
    """RECEIPT (current protocol): user `peer` has read up to message `mid` of the
    one-to-one conversation with the user; or, in group `groupid`, `count` members have
    read the user's message `mid`. With `own`, the user themself read up to `mid` of the
    conversation with `peer`, or in group `groupid`, on another of their devices: their
    read marker moved."""

    MSGID: ClassVar[MsgId] = MsgId.RECEIPT

    mid: int
    peer: int | None = None
    groupid: int | None = None
    count: int | None = None
    own: bool = False

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        obj = optional({"msgid": MsgId.RECEIPT}, peer=self.peer, groupid=self.groupid)
        obj["mid"] = self.mid
        if self.own:
            obj["own"] = True
        return optional(obj, count=self.count)

    @classmethod
    def from_wire(cls, f: Fields) -> Receipt:
        peer, groupid = f.opt_int("peer"), f.opt_int("groupid")
        return cls(f.req_int("mid"), peer, groupid, f.opt_int("count"), f.flag("own"))


@dataclass(frozen=True, slots=True)
class Typing:
    """TYPING from a client: the user is typing to user `peer` or in group `groupid`."""

    MSGID: ClassVar[MsgId] = MsgId.TYPING

    peer: int | None = None
    groupid: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj = optional({"msgid": MsgId.TYPING}, peer=self.peer, groupid=self.groupid)
        return with_rid(obj, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> Typing:
        peer, groupid = _one_conversation(f)
        return cls(peer=peer, groupid=groupid, rid=f.rid)


@dataclass(frozen=True, slots=True)
class TypingNotice:
    """TYPING from the server (current protocol): user `sender` is typing in the
    conversation the recipient knows as user `peer` (the typist) or group `groupid`."""

    MSGID: ClassVar[MsgId] = MsgId.TYPING

    sender: UserInfo
    peer: int | None = None
    groupid: int | None = None

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        obj: Wire = {"msgid": MsgId.TYPING, "from": self.sender.to_wire()}
        return optional(obj, peer=self.peer, groupid=self.groupid)

    @classmethod
    def from_wire(cls, f: Fields) -> TypingNotice:
        sender = f.opt_sub("from")
        if sender is None:
            raise f.fail("field 'from' is missing")
        return cls(UserInfo.from_wire(sender), f.opt_int("peer"), f.opt_int("groupid"))


def _one_conversation(f: Fields) -> tuple[int | None, int | None]:
    """The `peer` or the `groupid` of a request that names exactly one of them."""
    peer, groupid = f.opt_int("peer"), f.opt_int("groupid")
    if (peer is None) == (groupid is None):
        raise f.fail(f"msgid {f.msgid} needs exactly one of 'peer' and 'groupid'")
    return peer, groupid
