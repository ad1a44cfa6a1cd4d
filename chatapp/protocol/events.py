"""Events: one frozen dataclass per message the server sends (chats are in chats.py), with
its wire form in each dialect and its decoder side by side."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from .chats import Chat, ChatMessage, GroupMessage, chat_from_wire
from .codes import Dialect, Errno, MsgId
from .errors import Rid
from .fields import Fields
from .parts import FriendInfo, GroupInfo, MemberInfo, Wire, legacy_list, optional, with_rid

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LoginAck:
    """The answer to LOGIN: the user's friends, groups and offline messages, or an error."""

    MSGID: ClassVar[MsgId] = MsgId.LOGIN_ACK

    errno: Errno = Errno.OK
    errmsg: str = ""
    id: int = 0
    name: str = ""
    friends: tuple[FriendInfo, ...] = ()
    groups: tuple[GroupInfo, ...] = ()
    offlinemsg: tuple[Chat, ...] = ()
    last: int | None = None
    """The delivery number `offlinemsg` follows (current protocol): the client holds
    everything up to it, so the next delivery is numbered last + 1."""
    token: str | None = None
    """A resume token for the next login without the password (current protocol)."""
    more: bool = False
    """More deliveries wait than `offlinemsg` holds: they follow the ack as chats."""
    more_friends: bool = False
    """More friends than `friends` holds (current protocol): FRIENDS after the last."""
    more_groups: bool = False
    """More groups than `groups` holds (current protocol): GROUPS after the last."""
    max_frame: int | None = None
    """The longest frame the server sends from now on (current protocol)."""
    rid: Rid = None

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        if self.errno:
            obj: Wire = {"errmsg": self.errmsg, "errno": int(self.errno), "msgid": MsgId.LOGIN_ACK}
            return obj if dialect is Dialect.LEGACY else with_rid(obj, self.rid)
        obj = {"errno": 0, "id": self.id, "msgid": MsgId.LOGIN_ACK, "name": self.name}
        friends = [f.to_wire() for f in self.friends]
        groups = [g.to_wire(dialect) for g in self.groups]
        offline = [m.to_wire(dialect) for m in self.offlinemsg]
        if dialect is Dialect.LEGACY:
            # Lists are JSON text per element and left out when empty, as the original did.
            for key, items in (("friends", friends), ("groups", groups), ("offlinemsg", offline)):
                if items:
                    obj[key] = legacy_list(items)
            return obj
        obj.update(friends=friends, groups=groups, offlinemsg=offline)
        optional(obj, last=self.last, token=self.token)
        for key in ("more", "more_friends", "more_groups"):
            if getattr(self, key):
                obj[key] = True
        return with_rid(optional(obj, max_frame=self.max_frame), self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> LoginAck:
        errno = errno_of(f)
        if errno:
            return cls(errno=errno, errmsg=f.opt_str("errmsg") or "", rid=f.rid)
        return cls(
            id=f.req_int("id"),
            name=f.req_str("name"),
            friends=tuple(FriendInfo.from_wire(x) for x in f.subs("friends")),
            groups=tuple(GroupInfo.from_wire(x) for x in f.subs("groups")),
            offlinemsg=tuple(chat_from_wire(x) for x in f.subs("offlinemsg")),
            last=f.opt_int("last"),
            token=f.opt_str("token"),
            more=f.flag("more"),
            more_friends=f.flag("more_friends"),
            more_groups=f.flag("more_groups"),
            max_frame=f.opt_int("max_frame"),
            rid=f.rid,
        )


@dataclass(frozen=True, slots=True)
class RegAck:
    """The answer to REG: the new user's id, or an error."""

    MSGID: ClassVar[MsgId] = MsgId.REG_ACK

    errno: Errno = Errno.OK
    errmsg: str = ""
    id: int = 0
    rid: Rid = None

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        if dialect is Dialect.LEGACY:
            # The original sent errno 1 and no text for every failure.
            if self.errno:
                return {"errno": 1, "msgid": MsgId.REG_ACK}
            return {"errno": 0, "id": self.id, "msgid": MsgId.REG_ACK}
        obj: Wire = {"msgid": MsgId.REG_ACK, "errno": int(self.errno)}
        if self.errno:
            obj["errmsg"] = self.errmsg
        else:
            obj["id"] = self.id
        return with_rid(obj, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> RegAck:
        errno, errmsg = errno_of(f), f.opt_str("errmsg") or ""
        return cls(errno=errno, errmsg=errmsg, id=f.opt_int("id") or 0, rid=f.rid)


@dataclass(frozen=True, slots=True)
class Ack:
    """Success for a request that has no reply of its own (current protocol).

    `re` names the request answered; the optional fields carry its result: `mid` for a
    chat, `groupid` for CREATE_GROUP, `friend` for ADD_FRIEND, `group` for ADD_GROUP,
    a page for SYNC and HISTORY (`messages`), FRIENDS (`friends`), GROUPS (`groups`) and
    MEMBERS (`members`), with `more` when there is more to ask for; `token` (the
    connection's next resume token) for PASSWORD. Failures are answered with ERROR instead.
    """

    MSGID: ClassVar[MsgId] = MsgId.ACK

    re: MsgId
    rid: Rid = None
    mid: int | None = None
    groupid: int | None = None
    friend: FriendInfo | None = None
    group: GroupInfo | None = None
    messages: tuple[ChatMessage | GroupMessage, ...] | None = None
    friends: tuple[FriendInfo, ...] | None = None
    groups: tuple[GroupInfo, ...] | None = None
    members: tuple[MemberInfo, ...] | None = None
    more: bool = False
    token: str | None = None

    @property
    def page(self) -> bool:
        """The ACK carries a page of a list (it answers SYNC, HISTORY or a paging request)."""
        lists = (self.messages, self.friends, self.groups, self.members)
        return any(items is not None for items in lists)

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        obj: Wire = {"msgid": MsgId.ACK, "re": int(self.re), "errno": 0}
        optional(obj, mid=self.mid, groupid=self.groupid)
        if self.friend is not None:
            obj["friend"] = self.friend.to_wire()
        if self.group is not None:
            obj["group"] = self.group.to_wire()
        if self.page:
            for key in ("messages", "friends", "groups", "members"):
                if (items := getattr(self, key)) is not None:
                    obj[key] = [page_item(item, dialect) for item in items]
            obj["more"] = self.more
        if self.token is not None:
            obj["token"] = self.token
        return with_rid(obj, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> Ack:
        re_value = f.req_int("re")
        friend, group = f.opt_sub("friend"), f.opt_sub("group")
        return cls(
            re=MsgId(re_value) if re_value in MsgId._value2member_map_ else MsgId.ACK,
            rid=f.rid,
            mid=f.opt_int("mid"),
            groupid=f.opt_int("groupid"),
            friend=FriendInfo.from_wire(friend) if friend is not None else None,
            group=GroupInfo.from_wire(group) if group is not None else None,
            messages=_page(f, "messages", chat_from_wire),
            friends=_page(f, "friends", FriendInfo.from_wire),
            groups=_page(f, "groups", GroupInfo.from_wire),
            members=_page(f, "members", MemberInfo.from_wire),
            more=f.flag("more"),
            token=f.opt_str("token"),
        )


PageItem = ChatMessage | GroupMessage | FriendInfo | GroupInfo | MemberInfo


def page_item(item: PageItem, dialect: Dialect) -> Wire:
    """An item of a page as its ACK carries it: a chat in the connection's dialect, the
    rest in the current protocol's form."""
    if isinstance(item, ChatMessage | GroupMessage):
        return item.to_wire(dialect)
    return item.to_wire()


def _page(f: Fields, key: str, read: Callable[[Fields], T]) -> tuple[T, ...] | None:
    """The items of the list under `key`, or None where there is none."""
    return None if f.obj.get(key) is None else tuple(read(item) for item in f.subs(key))


@dataclass(frozen=True, slots=True)
class Error:
    """A frame or request refused: bad input, not logged in, no such user, and so on.

    `re` is the msgid of the refused request when it could be read.
    """

    MSGID: ClassVar[MsgId] = MsgId.ERROR

    errno: Errno
    errmsg: str
    re: int | None = None
    rid: Rid = None

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        obj: Wire = {"msgid": MsgId.ERROR, "errno": int(self.errno), "errmsg": self.errmsg}
        if self.re is not None:
            obj["re"] = self.re
        return with_rid(obj, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> Error:
        errno, errmsg = errno_of(f), f.opt_str("errmsg") or ""
        return cls(errno=errno, errmsg=errmsg, re=f.echoed_int("re"), rid=f.rid)


@dataclass(frozen=True, slots=True)
class Presence:
    """A friend came online or went offline (current protocol)."""

    MSGID: ClassVar[MsgId] = MsgId.PRESENCE

    id: int
    name: str
    state: str

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        return {"msgid": MsgId.PRESENCE, "id": self.id, "name": self.name, "state": self.state}

    @classmethod
    def from_wire(cls, f: Fields) -> Presence:
        return cls(id=f.req_int("id"), name=f.req_str("name"), state=f.req_str("state"))


@dataclass(frozen=True, slots=True)
class FriendAdded:
    """Somebody made the user their friend (current protocol); friendship is mutual."""

    MSGID: ClassVar[MsgId] = MsgId.FRIEND_ADDED

    friend: FriendInfo

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        return {"msgid": MsgId.FRIEND_ADDED, **self.friend.to_wire()}

    @classmethod
    def from_wire(cls, f: Fields) -> FriendAdded:
        return cls(FriendInfo.from_wire(f))


@dataclass(frozen=True, slots=True)
class Pong:
    """The answer to PING."""

    MSGID: ClassVar[MsgId] = MsgId.PONG

    rid: Rid = None

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        return with_rid({"msgid": MsgId.PONG}, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> Pong:
        return cls(rid=f.rid)


def errno_of(f: Fields) -> Errno:
    """The reply's error number; one this client does not know reads as INTERNAL."""
    value = f.req_int("errno")
    try:
        return Errno(value)
    except ValueError:
        return Errno.INTERNAL


Event = ChatMessage | GroupMessage | LoginAck | RegAck | Ack | Error | Presence | FriendAdded | Pong

EVENT_TYPES: tuple[type[Event], ...] = (
    ChatMessage, GroupMessage, LoginAck, RegAck, Ack, Error, Presence, FriendAdded, Pong,
)  # fmt: skip
