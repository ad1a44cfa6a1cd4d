"""Events: one frozen dataclass per message the server sends (chats are in chats.py), with
its wire form in each dialect and its decoder side by side."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from .accounts import LoginAck, RegAck
from .blocks import BlockedUser, NewMessageRequest, SenderInfo
from .chats import ChatMessage, GroupMessage, chat_from_wire
from .codes import Dialect, Errno, MsgId
from .devices import DeviceEvent, DeviceInfo, Sent
from .errors import Rid
from .fields import Fields, errno_of
from .friends import FriendEvent, RequestInfo, UserRef
from .groups import GroupEvent, InviteInfo
from .parts import FriendInfo, GroupInfo, MemberInfo, Wire, with_rid
from .people import ConversationInfo, Receipt, TypingNotice, UserInfo
from .settings import SettingsInfo

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Ack:
    """Success for a request that has no reply of its own (current protocol).

    `re` names the request answered; the optional fields carry its result: `mid` for a
    chat (and `seq`, the number of its copy in the sender's own sequence, where the account
    has other devices: this device holds it already), `groupid` for CREATE_GROUP,
    `friend` for ADD_FRIEND, `group` for ADD_GROUP, a page for SYNC and HISTORY
    (`messages`), FRIENDS (`friends`), GROUPS (`groups`) and MEMBERS (`members`), INVITES
    (`invites`), REQUESTS (`requests`), BLOCKS (`blocked`) and MESSAGE_REQUESTS
    (`senders`), with `more` when there is more to ask for; `token` (the connection's next
    resume token) for PASSWORD; `settings` for SETTINGS; `user`, and `state` (REQUESTED or
    FRIENDS) where it changed, for the friend requests (protocol/friends.py); pages of
    `users` for USERS and `conversations` for CONVERSATIONS; `mid` (the marker) for READ;
    `devices` for DEVICES. Failures are answered with ERROR instead.
    """

    MSGID: ClassVar[MsgId] = MsgId.ACK

    re: MsgId
    rid: Rid = None
    mid: int | None = None
    groupid: int | None = None
    seq: int | None = None
    friend: FriendInfo | None = None
    group: GroupInfo | None = None
    messages: tuple[ChatMessage | GroupMessage, ...] | None = None
    friends: tuple[FriendInfo, ...] | None = None
    groups: tuple[GroupInfo, ...] | None = None
    members: tuple[MemberInfo, ...] | None = None
    invites: tuple[InviteInfo, ...] | None = None
    more: bool = False
    token: str | None = None
    settings: SettingsInfo | None = None
    state: str | None = None
    user: UserRef | None = None
    requests: tuple[RequestInfo, ...] | None = None
    users: tuple[UserInfo, ...] | None = None
    conversations: tuple[ConversationInfo, ...] | None = None
    blocked: tuple[BlockedUser, ...] | None = None
    senders: tuple[SenderInfo, ...] | None = None
    devices: tuple[DeviceInfo, ...] | None = None

    @property
    def page(self) -> bool:
        """The ACK carries a page of a list (it answers SYNC, HISTORY or a paging request)."""
        # Spelt out: every ACK asks, a chat's among them.
        return not (
            self.messages is None and self.friends is None and self.groups is None
            and self.members is None and self.invites is None and self.requests is None
            and self.users is None and self.conversations is None and self.blocked is None
            and self.senders is None and self.devices is None
        )  # fmt: skip

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        obj: Wire = {"msgid": MsgId.ACK, "re": int(self.re), "errno": 0}
        # As optional(obj, mid=..., groupid=..., seq=...), spelt out: every chat's ACK.
        if self.mid is not None:
            obj["mid"] = self.mid
        if self.groupid is not None:
            obj["groupid"] = self.groupid
        if self.seq is not None:
            obj["seq"] = self.seq
        if self.friend is not None:
            obj["friend"] = self.friend.to_wire()
        if self.group is not None:
            obj["group"] = self.group.to_wire()
        if self.page:
            for key in _PAGE_KEYS:
                if (items := getattr(self, key)) is not None:
                    obj[key] = [page_item(item, dialect) for item in items]
            obj["more"] = self.more
        if self.token is not None:
            obj["token"] = self.token
        if self.settings is not None:
            obj["settings"] = self.settings.to_wire()
        if self.user is not None:
            obj["user"] = self.user.to_wire()
        if self.state is not None:
            obj["state"] = self.state
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
            seq=f.opt_int("seq"),
            friend=FriendInfo.from_wire(friend) if friend is not None else None,
            group=GroupInfo.from_wire(group) if group is not None else None,
            messages=_page(f, "messages", chat_from_wire),
            friends=_page(f, "friends", FriendInfo.from_wire),
            groups=_page(f, "groups", GroupInfo.from_wire),
            members=_page(f, "members", MemberInfo.from_wire),
            invites=_page(f, "invites", InviteInfo.from_wire),
            more=f.flag("more"),
            token=f.opt_str("token"),
            settings=SettingsInfo.from_wire(s) if (s := f.opt_sub("settings")) else None,
            state=f.opt_str("state"),
            user=UserRef.from_wire(u) if (u := f.opt_sub("user")) else None,
            requests=_page(f, "requests", RequestInfo.from_wire),
            users=_page(f, "users", UserInfo.from_wire),
            conversations=_page(f, "conversations", ConversationInfo.from_wire),
            blocked=_page(f, "blocked", BlockedUser.from_wire),
            senders=_page(f, "senders", SenderInfo.from_wire),
            devices=_page(f, "devices", DeviceInfo.from_wire),
        )


_PAGE_KEYS = (
    "messages", "friends", "groups", "members", "invites", "requests", "users", "conversations",
    "blocked", "senders", "devices",
)  # fmt: skip

PageItem = (
    ChatMessage
    | GroupMessage
    | FriendInfo
    | GroupInfo
    | MemberInfo
    | InviteInfo
    | RequestInfo
    | UserInfo
    | ConversationInfo
    | BlockedUser
    | SenderInfo
    | DeviceInfo
)


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


@dataclass(frozen=True, slots=True)
class Drain:
    """The instance is going away (a restart): log in again, through the same address,
    after `retry_ms` milliseconds (current protocol). Requests sent before it are still
    answered; the server closes the connection once its drain time is up."""

    MSGID: ClassVar[MsgId] = MsgId.DRAIN

    retry_ms: int = 0

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        return {"msgid": MsgId.DRAIN, "retry_ms": self.retry_ms}

    @classmethod
    def from_wire(cls, f: Fields) -> Drain:
        return cls(retry_ms=max(0, f.opt_int("retry_ms") or 0))


Event = (
    ChatMessage | GroupMessage | LoginAck | RegAck | Ack | Error | Presence | FriendAdded | Pong
    | FriendEvent | GroupEvent
    | Receipt | TypingNotice | NewMessageRequest | Drain | Sent | DeviceEvent
)  # fmt: skip

EVENT_TYPES: tuple[type[Event], ...] = (
    ChatMessage, GroupMessage, LoginAck, RegAck, Ack, Error, Presence, FriendAdded, Pong,
    FriendEvent, GroupEvent,
    Receipt, TypingNotice, NewMessageRequest, Drain, Sent, DeviceEvent,
)  # fmt: skip
