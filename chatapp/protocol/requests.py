"""Requests: one frozen dataclass per message a client sends, with its wire form both ways."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from .blocks import Block, Blocks, MessageAnswer, MessageRequests
from .chats import Delivered, GroupChat, History, OneChat, Sync
from .codes import Dialect, MsgId
from .devices import EndDevice, ListDevices
from .errors import Rid
from .fields import Fields
from .friends import FriendAnswer, FriendCancel, FriendRequest, Requests, Unfriend
from .groups import (
    HISTORY,
    EditGroup,
    GroupInvite,
    InviteAnswer,
    Invites,
    LeaveGroup,
    RemoveMember,
    SetRole,
)
from .lists import Friends, Groups, Members
from .parts import Wire, optional, with_rid
from .people import Conversations, FindUsers, Read, Typing
from .settings import ChangeSettings


@dataclass(frozen=True, slots=True)
class Login:
    """Log in by id or name and password, or with a resume token; `v` 2 selects the
    current protocol. `last` is the highest delivery sequence number the client holds.
    `device` names the device a password login opens (current protocol): a resume token
    resumes the device it was handed to."""

    MSGID: ClassVar[MsgId] = MsgId.LOGIN

    password: str | None = None
    id: int | None = None
    name: str | None = None
    v: int = 1
    token: str | None = None
    last: int | None = None
    device: str | None = None
    rid: Rid = None

    @property
    def dialect(self) -> Dialect:
        """The dialect this login chooses for its connection."""
        return Dialect.V2 if self.v >= 2 else Dialect.LEGACY

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.LOGIN, "v": self.v}
        for key in ("id", "name", "password", "token", "last", "device"):
            value = getattr(self, key)
            if value is not None:
                obj[key] = value
        return with_rid(obj, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> Login:
        login = cls(
            password=f.opt_str("password"),
            id=f.opt_int("id"),
            name=f.opt_str("name"),
            v=f.opt_int("v") or 1,
            token=f.opt_str("token"),
            last=f.opt_int("last"),
            device=f.opt_str("device"),
            rid=f.rid,
        )
        if login.token is None:
            if login.password is None:
                raise f.fail("field 'password' is missing")
            if login.id is None and login.name is None:
                raise f.fail("LOGIN needs 'id' or 'name'")
        return login


@dataclass(frozen=True, slots=True)
class Logout:
    """End the session; the connection stays open and may log in again. `all` ends every
    device of the account, this one with them: their sessions close, wherever they are,
    and their resume tokens stop working (log out everywhere)."""

    MSGID: ClassVar[MsgId] = MsgId.LOGOUT

    id: int | None = None
    all: bool = False
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj = optional({"msgid": MsgId.LOGOUT}, id=self.id, all=True if self.all else None)
        return with_rid(obj, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> Logout:
        return cls(id=f.opt_int("id"), all=f.flag("all"), rid=f.rid)


@dataclass(frozen=True, slots=True)
class Register:
    """Create an account; the reply carries the new user's id."""

    MSGID: ClassVar[MsgId] = MsgId.REG

    name: str
    password: str
    v: int = 1
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.REG, "name": self.name, "password": self.password}
        obj["v"] = self.v
        return with_rid(obj, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> Register:
        name, password = f.req_str("name"), f.req_str("password")
        return cls(name=name, password=password, v=f.opt_int("v") or 1, rid=f.rid)


@dataclass(frozen=True, slots=True)
class AddFriend:
    """Ask `friendid` to be a friend, or accept their request: FRIEND_REQUEST in the
    legacy protocol's shape. Friendship is mutual, and needs the other's consent."""

    MSGID: ClassVar[MsgId] = MsgId.ADD_FRIEND

    friendid: int
    id: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.ADD_FRIEND, "friendid": self.friendid}
        return with_rid(optional(obj, id=self.id), self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> AddFriend:
        return cls(friendid=f.req_int("friendid"), id=f.opt_int("id"), rid=f.rid)


@dataclass(frozen=True, slots=True)
class CreateGroup:
    """Create a group with a unique name; the creator joins it as `creator`. Current
    clients may make it invite-only (`public` false) and choose what newcomers read of
    its history (`history`, one of groups.HISTORY)."""

    MSGID: ClassVar[MsgId] = MsgId.CREATE_GROUP

    groupname: str
    groupdesc: str = ""
    id: int | None = None
    rid: Rid = None
    public: bool = True
    history: str = "all"

    def to_wire(self) -> Wire:
        obj: Wire = {
            "msgid": MsgId.CREATE_GROUP,
            "groupname": self.groupname,
            "groupdesc": self.groupdesc,
        }
        optional(obj, id=self.id, public=None if self.public else False)
        optional(obj, history=None if self.history == "all" else self.history)
        return with_rid(obj, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> CreateGroup:
        name, desc = f.req_str("groupname"), f.opt_str("groupdesc") or ""
        history = f.opt_str("history") or "all"
        if history not in HISTORY:
            raise f.fail(f"field 'history' must be one of {', '.join(HISTORY)}")
        public = f.opt_bool("public") is not False
        return cls(name, desc, f.opt_int("id"), f.rid, public=public, history=history)


@dataclass(frozen=True, slots=True)
class AddGroup:
    """Join group `groupid` as a `normal` member."""

    MSGID: ClassVar[MsgId] = MsgId.ADD_GROUP

    groupid: int
    id: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.ADD_GROUP, "groupid": self.groupid}
        return with_rid(optional(obj, id=self.id), self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> AddGroup:
        return cls(groupid=f.req_int("groupid"), id=f.opt_int("id"), rid=f.rid)


@dataclass(frozen=True, slots=True)
class ChangePassword:
    """Replace the account's password: `password` is the current one, `new` the next.
    Every resume token of the account is revoked; the ACK carries this connection's next."""

    MSGID: ClassVar[MsgId] = MsgId.PASSWORD

    password: str = field(repr=False)
    new: str = field(repr=False)
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.PASSWORD, "password": self.password, "new": self.new}
        return with_rid(obj, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> ChangePassword:
        return cls(password=f.req_str("password"), new=f.req_str("new"), rid=f.rid)


@dataclass(frozen=True, slots=True)
class Ping:
    """Keep the connection alive; answered by PONG."""

    MSGID: ClassVar[MsgId] = MsgId.PING

    rid: Rid = None

    def to_wire(self) -> Wire:
        return with_rid({"msgid": MsgId.PING}, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> Ping:
        return cls(rid=f.rid)


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
    | ChangePassword
    | Delivered
    | Sync
    | History
    | Friends
    | Groups
    | Members
    | ChangeSettings
    | FriendRequest
    | FriendAnswer
    | FriendCancel
    | Unfriend
    | Requests
    | GroupInvite
    | Invites
    | InviteAnswer
    | LeaveGroup
    | RemoveMember
    | SetRole
    | EditGroup
    | FindUsers
    | Conversations
    | Read
    | Typing
    | ListDevices
    | EndDevice
    | Block
    | Blocks
    | MessageRequests
    | MessageAnswer
)

REQUEST_TYPES: tuple[type[Request], ...] = (
    Login, Logout, Register, OneChat, AddFriend, CreateGroup,
    AddGroup, GroupChat, Ping, ChangePassword, Delivered, Sync, History, Friends, Groups,
    Members, ChangeSettings, Block, Blocks, MessageRequests, MessageAnswer,
    FriendRequest, FriendAnswer, FriendCancel, Unfriend, Requests,
    GroupInvite, Invites, InviteAnswer, LeaveGroup, RemoveMember, SetRole, EditGroup,
    FindUsers, Conversations, Read, Typing, ListDevices, EndDevice,
)  # fmt: skip
