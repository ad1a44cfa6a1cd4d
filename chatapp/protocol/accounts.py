"""The answers to LOGIN and REG: the session a login opens, or why it did not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .chats import Chat, chat_from_wire
from .codes import Dialect, Errno, MsgId
from .devices import DeviceInfo
from .errors import Rid
from .fields import Fields, errno_of
from .friends import RequestCounts
from .parts import FriendInfo, GroupInfo, Wire, legacy_list, with_rid


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
    requests: RequestCounts | None = None
    """How many friend requests wait, each way (current protocol): REQUESTS lists them."""
    device: DeviceInfo | None = None
    """The device this session is (current protocol): its id and name."""
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
        # Field by field, without helpers: every login encodes this, and measures it first.
        obj["friends"], obj["groups"], obj["offlinemsg"] = friends, groups, offline
        if self.last is not None:
            obj["last"] = self.last
        if self.token is not None:
            obj["token"] = self.token
        if self.more:
            obj["more"] = True
        if self.more_friends:
            obj["more_friends"] = True
        if self.more_groups:
            obj["more_groups"] = True
        if self.requests is not None:
            obj["requests"] = self.requests.to_wire()
        if self.device is not None:
            obj["device"] = {"id": self.device.id, "name": self.device.name}
        if self.max_frame is not None:
            obj["max_frame"] = self.max_frame
        if self.rid is not None:
            obj["rid"] = self.rid
        return obj

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
            requests=RequestCounts.from_wire(r) if (r := f.opt_sub("requests")) else None,
            device=DeviceInfo.from_wire(d) if (d := f.opt_sub("device")) else None,
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
