"""Requests: one frozen dataclass per message a client sends, with its wire form."""

from __future__ import annotations

from dataclasses import dataclass

from .codes import MsgId
from .errors import Rid
from .parts import Wire, optional, with_rid


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
        return with_rid(obj, self.rid)


@dataclass(frozen=True, slots=True)
class Logout:
    """End the session; the connection stays open and may log in again."""

    id: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.LOGOUT}
        if self.id is not None:
            obj["id"] = self.id
        return with_rid(obj, self.rid)


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
        return with_rid(obj, self.rid)


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
        return with_rid(optional(obj, id=self.id, cid=self.cid), self.rid)


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
        return with_rid(obj, self.rid)


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
        return with_rid(obj, self.rid)


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
        return with_rid(obj, self.rid)


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
        return with_rid(optional(obj, id=self.id, cid=self.cid), self.rid)


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
        return with_rid(optional(obj, limit=self.limit), self.rid)


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
        return with_rid(optional(obj, **fields), self.rid)


@dataclass(frozen=True, slots=True)
class Ping:
    """Keep the connection alive; answered by PONG."""

    rid: Rid = None

    def to_wire(self) -> Wire:
        return with_rid({"msgid": MsgId.PING}, self.rid)


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
