"""One frozen dataclass per message, with its wire form in each dialect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from .codes import Dialect, Errno, MsgId
from .errors import Rid

Wire = dict[str, Any]

ONLINE = "online"
OFFLINE = "offline"


def _with_rid(obj: Wire, rid: Rid) -> Wire:
    if rid is not None:
        obj["rid"] = rid
    return obj


def _optional(obj: Wire, **fields: object) -> Wire:
    """Adds the fields that are not None."""
    obj.update((key, value) for key, value in fields.items() if value is not None)
    return obj


def _legacy_list(items: list[Wire]) -> list[str]:
    # The original server encodes each list element as JSON text of its own.
    return [orjson.dumps(item).decode() for item in items]


# --- Parts of the login ack -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FriendInfo:
    """A friend as listed to a user: id, name and presence."""

    id: int
    name: str
    state: str = OFFLINE

    def to_wire(self) -> Wire:
        return {"id": self.id, "name": self.name, "state": self.state}


@dataclass(frozen=True, slots=True)
class MemberInfo:
    """A group member: id, name, presence and role (`creator` or `normal`)."""

    id: int
    name: str
    state: str
    role: str

    def to_wire(self) -> Wire:
        return {"id": self.id, "name": self.name, "state": self.state, "role": self.role}


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """A group with every member, the caller included."""

    id: int
    groupname: str
    groupdesc: str
    users: tuple[MemberInfo, ...] = ()

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        users = [u.to_wire() for u in self.users]
        return {
            "id": self.id,
            "groupname": self.groupname,
            "groupdesc": self.groupdesc,
            "users": _legacy_list(users) if dialect is Dialect.LEGACY else users,
        }


# --- Requests: client to server ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Login:
    """Log in by id or name and password, or with a resume token; `v` 2 selects the
    current protocol. `last` is the highest delivery sequence number the client holds."""

    password: str | None = None
    id: int | None = None
    name: str | None = None
    v: int = 1
    token: str | None = None
    last: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.LOGIN, "v": self.v}
        for key in ("id", "name", "password", "token", "last"):
            value = getattr(self, key)
            if value is not None:
                obj[key] = value
        return _with_rid(obj, self.rid)


@dataclass(frozen=True, slots=True)
class Logout:
    """End the session; the connection stays open and may log in again."""

    id: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.LOGOUT}
        if self.id is not None:
            obj["id"] = self.id
        return _with_rid(obj, self.rid)


@dataclass(frozen=True, slots=True)
class Register:
    """Create an account; the reply carries the new user's id."""

    name: str
    password: str
    v: int = 1
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.REG, "name": self.name, "password": self.password}
        obj["v"] = self.v
        return _with_rid(obj, self.rid)


@dataclass(frozen=True, slots=True)
class OneChat:
    """Send `msg` to user `toid`. `id`, if given, must be the sender's own id; `cid`, a
    client-chosen message id, makes a retry after a lost acknowledgement harmless."""

    toid: int
    msg: str
    id: int | None = None
    cid: str | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.ONE_CHAT, "toid": self.toid, "msg": self.msg}
        return _with_rid(_optional(obj, id=self.id, cid=self.cid), self.rid)


@dataclass(frozen=True, slots=True)
class AddFriend:
    """Make `friendid` a friend; friendship is mutual."""

    friendid: int
    id: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.ADD_FRIEND, "friendid": self.friendid}
        if self.id is not None:
            obj["id"] = self.id
        return _with_rid(obj, self.rid)


@dataclass(frozen=True, slots=True)
class CreateGroup:
    """Create a group with a unique name; the creator joins it as `creator`."""

    groupname: str
    groupdesc: str = ""
    id: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {
            "msgid": MsgId.CREATE_GROUP,
            "groupname": self.groupname,
            "groupdesc": self.groupdesc,
        }
        if self.id is not None:
            obj["id"] = self.id
        return _with_rid(obj, self.rid)


@dataclass(frozen=True, slots=True)
class AddGroup:
    """Join group `groupid` as a `normal` member."""

    groupid: int
    id: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.ADD_GROUP, "groupid": self.groupid}
        if self.id is not None:
            obj["id"] = self.id
        return _with_rid(obj, self.rid)


@dataclass(frozen=True, slots=True)
class GroupChat:
    """Send `msg` to every other member of group `groupid`; `cid` as for OneChat."""

    groupid: int
    msg: str
    id: int | None = None
    cid: str | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.GROUP_CHAT, "groupid": self.groupid, "msg": self.msg}
        return _with_rid(_optional(obj, id=self.id, cid=self.cid), self.rid)


@dataclass(frozen=True, slots=True)
class Delivered:
    """The client holds every delivery up to sequence number `seq`; it gets no reply."""

    seq: int

    def to_wire(self) -> Wire:
        return {"msgid": MsgId.DELIVERED, "seq": self.seq}


@dataclass(frozen=True, slots=True)
class Sync:
    """Asks again for the deliveries after sequence number `last`, at most `limit`."""

    last: int
    limit: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.SYNC, "last": self.last}
        return _with_rid(_optional(obj, limit=self.limit), self.rid)


@dataclass(frozen=True, slots=True)
class History:
    """A page of a conversation, newest first, before message `before` (or the newest):
    with user `peer`, or in group `groupid`."""

    peer: int | None = None
    groupid: int | None = None
    before: int | None = None
    limit: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.HISTORY}
        fields = {"peer": self.peer, "groupid": self.groupid}
        fields.update(before=self.before, limit=self.limit)
        return _with_rid(_optional(obj, **fields), self.rid)


@dataclass(frozen=True, slots=True)
class Ping:
    """Keep the connection alive; answered by PONG."""

    rid: Rid = None

    def to_wire(self) -> Wire:
        return _with_rid({"msgid": MsgId.PING}, self.rid)


Request = (
    Login
    | Logout
    | Register
    | OneChat
    | AddFriend
    | CreateGroup
    | AddGroup
    | GroupChat
    | Ping
    | Delivered
    | Sync
    | History
)


# --- Events: server to client -----------------------------------------------------------


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
        obj: Wire = {
            "msgid": MsgId.ONE_CHAT,
            "id": self.id,
            "name": self.name,
            "toid": self.toid,
            "msg": self.msg,
            "time": self.time,
        }
        if dialect is Dialect.V2:
            obj["mid"] = self.mid
            obj["ts"] = self.ts
            if self.seq:
                obj["seq"] = self.seq
        return obj


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
        obj: Wire = {
            "msgid": MsgId.GROUP_CHAT,
            "id": self.id,
            "name": self.name,
            "groupid": self.groupid,
            "msg": self.msg,
            "time": self.time,
        }
        if dialect is Dialect.V2:
            obj["mid"] = self.mid
            obj["ts"] = self.ts
            if self.seq:
                obj["seq"] = self.seq
        return obj


Chat = ChatMessage | GroupMessage


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
            return obj if dialect is Dialect.LEGACY else _with_rid(obj, self.rid)
        obj = {"errno": 0, "id": self.id, "msgid": MsgId.LOGIN_ACK, "name": self.name}
        friends = [f.to_wire() for f in self.friends]
        groups = [g.to_wire(dialect) for g in self.groups]
        offline = [m.to_wire(dialect) for m in self.offlinemsg]
        if dialect is Dialect.LEGACY:
            # Lists are JSON text per element and left out when empty, as the original did.
            for key, items in (("friends", friends), ("groups", groups), ("offlinemsg", offline)):
                if items:
                    obj[key] = _legacy_list(items)
            return obj
        obj.update(friends=friends, groups=groups, offlinemsg=offline)
        if self.last is not None:
            obj["last"] = self.last
        if self.token is not None:
            obj["token"] = self.token
        if self.more:
            obj["more"] = True
        return _with_rid(obj, self.rid)


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
        return _with_rid(obj, self.rid)


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
        return _with_rid(obj, self.rid)


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
        return _with_rid(obj, self.rid)


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
        return _with_rid({"msgid": MsgId.PONG}, self.rid)


Event = ChatMessage | GroupMessage | LoginAck | RegAck | Ack | Error | Presence | FriendAdded | Pong
