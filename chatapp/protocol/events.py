"""Events: one frozen dataclass per message the server sends, with its wire form in each
dialect."""

from __future__ import annotations

from dataclasses import dataclass

from .codes import Dialect, Errno, MsgId
from .errors import Rid
from .parts import FriendInfo, GroupInfo, Wire, legacy_list, with_rid


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """A one-to-one message as delivered: sender as the server knows it, server time, id."""

    id: int
    name: str
    toid: int
    msg: str
    time: str
    mid: int
    ts: int
    seq: int = 0
    """The recipient's delivery sequence number; 0 where it has none (history, echoes)."""

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        return _chat_wire(self, MsgId.ONE_CHAT, "toid", self.toid, dialect)

    def numbered(self, seq: int) -> ChatMessage:
        """The message as delivered to a recipient whose sequence number for it is `seq`
        (dataclasses.replace costs several times as much, once per recipient)."""
        return ChatMessage(
            self.id, self.name, self.toid, self.msg, self.time, self.mid, self.ts, seq
        )


@dataclass(frozen=True, slots=True)
class GroupMessage:
    """A group message as delivered to every member but the sender."""

    id: int
    name: str
    groupid: int
    msg: str
    time: str
    mid: int
    ts: int
    seq: int = 0

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        return _chat_wire(self, MsgId.GROUP_CHAT, "groupid", self.groupid, dialect)

    def numbered(self, seq: int) -> GroupMessage:
        """As ChatMessage.numbered."""
        return GroupMessage(
            self.id, self.name, self.groupid, self.msg, self.time, self.mid, self.ts, seq
        )


Chat = ChatMessage | GroupMessage


def _chat_wire(chat: Chat, msgid: MsgId, target: str, target_id: int, dialect: Dialect) -> Wire:
    """A chat as the original sent it, and in the current protocol with its ids and time."""
    obj: Wire = {
        "msgid": msgid,
        "id": chat.id,
        "name": chat.name,
        target: target_id,
        "msg": chat.msg,
        "time": chat.time,
    }
    if dialect is Dialect.V2:
        obj["mid"] = chat.mid
        obj["ts"] = chat.ts
        if chat.seq:
            obj["seq"] = chat.seq
    return obj


@dataclass(frozen=True, slots=True)
class LoginAck:
    """The answer to LOGIN: the user's friends, groups and offline messages, or an error."""

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
    """More deliveries wait than `offlinemsg` holds: SYNC after the last one."""
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
        if self.last is not None:
            obj["last"] = self.last
        if self.token is not None:
            obj["token"] = self.token
        if self.more:
            obj["more"] = True
        return with_rid(obj, self.rid)


@dataclass(frozen=True, slots=True)
class RegAck:
    """The answer to REG: the new user's id, or an error."""

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


@dataclass(frozen=True, slots=True)
class Ack:
    """Success for a request that has no reply of its own (current protocol).

    `re` names the request answered; the optional fields carry its result: `mid` for a
    chat, `groupid` for CREATE_GROUP, `friend` for ADD_FRIEND, `group` for ADD_GROUP,
    `messages` (and `more` when a page is full) for SYNC and HISTORY.
    Failures are answered with ERROR instead.
    """

    re: MsgId
    rid: Rid = None
    mid: int | None = None
    groupid: int | None = None
    friend: FriendInfo | None = None
    group: GroupInfo | None = None
    messages: tuple[ChatMessage | GroupMessage, ...] | None = None
    more: bool = False

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        obj: Wire = {"msgid": MsgId.ACK, "re": int(self.re), "errno": 0}
        if self.mid is not None:
            obj["mid"] = self.mid
        if self.groupid is not None:
            obj["groupid"] = self.groupid
        if self.friend is not None:
            obj["friend"] = self.friend.to_wire()
        if self.group is not None:
            obj["group"] = self.group.to_wire()
        if self.messages is not None:
            obj["messages"] = [m.to_wire(dialect) for m in self.messages]
            obj["more"] = self.more
        return with_rid(obj, self.rid)


@dataclass(frozen=True, slots=True)
class Error:
    """A frame or request refused: bad input, not logged in, no such user, and so on.

    `re` is the msgid of the refused request when it could be read.
    """

    errno: Errno
    errmsg: str
    re: int | None = None
    rid: Rid = None

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        obj: Wire = {"msgid": MsgId.ERROR, "errno": int(self.errno), "errmsg": self.errmsg}
        if self.re is not None:
            obj["re"] = self.re
        return with_rid(obj, self.rid)


@dataclass(frozen=True, slots=True)
class Presence:
    """A friend came online or went offline (current protocol)."""

    id: int
    name: str
    state: str

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        return {"msgid": MsgId.PRESENCE, "id": self.id, "name": self.name, "state": self.state}


@dataclass(frozen=True, slots=True)
class FriendAdded:
    """Somebody made the user their friend (current protocol); friendship is mutual."""

    friend: FriendInfo

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        return {"msgid": MsgId.FRIEND_ADDED, **self.friend.to_wire()}


@dataclass(frozen=True, slots=True)
class Pong:
    """The answer to PING."""

    rid: Rid = None

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        return with_rid({"msgid": MsgId.PONG}, self.rid)


Event = ChatMessage | GroupMessage | LoginAck | RegAck | Ack | Error | Presence | FriendAdded | Pong
