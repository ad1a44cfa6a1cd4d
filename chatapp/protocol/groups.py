"""Groups with roles and privacy: invitations, leaving, removing, roles, editing a group,
and GROUP_EVENT, which tells every member of each change (current protocol)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from .codes import Dialect, MsgId
from .errors import Rid
from .fields import Fields
from .lists import UserList
from .parts import Wire, optional, with_rid

HISTORY = ("all", "joined")
"""What a newcomer reads of a group's history: everything, or only from their joining on."""
ROLES = ("admin", "member")
"""The roles SET_ROLE gives; a plain member is listed with role `normal`, as always."""
EVENTS = ("joined", "left", "removed", "role", "edited", "invited")


def _history(f: Fields) -> str | None:
    value = f.opt_str("history")
    if value is not None and value not in HISTORY:
        raise f.fail(f"field 'history' must be one of {', '.join(HISTORY)}")
    return value


@dataclass(frozen=True, slots=True)
class Person:
    """A user as a group event names them: id, name and, for the member concerned, role."""

    id: int
    name: str
    role: str | None = None

    def to_wire(self) -> Wire:
        return optional({"id": self.id, "name": self.name}, role=self.role)

    @classmethod
    def from_wire(cls, f: Fields) -> Person:
        return cls(f.req_int("id"), f.req_str("name"), f.opt_str("role"))


@dataclass(frozen=True, slots=True)
class GroupSettings:
    """A group's name, description and privacy: `public` (anyone may join) and `history`
    (one of HISTORY)."""

    id: int
    groupname: str
    groupdesc: str
    public: bool = True
    history: str = "all"

    def to_wire(self) -> Wire:
        obj: Wire = {"id": self.id, "groupname": self.groupname, "groupdesc": self.groupdesc}
        return {**obj, "public": self.public, "history": self.history}

    @classmethod
    def from_wire(cls, f: Fields) -> GroupSettings:
        return cls(
            id=f.req_int("id"),
            groupname=f.req_str("groupname"),
            groupdesc=f.opt_str("groupdesc") or "",
            public=f.opt_bool("public") is not False,
            history=_history(f) or "all",
        )


@dataclass(frozen=True, slots=True)
class InviteInfo:
    """A pending invitation, as INVITES lists it: the group (`id` is its id) and who
    invited the user (`by`)."""

    id: int
    groupname: str
    groupdesc: str
    by: Person

    def to_wire(self) -> Wire:
        obj: Wire = {"id": self.id, "groupname": self.groupname, "groupdesc": self.groupdesc}
        return {**obj, "by": self.by.to_wire()}

    @classmethod
    def from_wire(cls, f: Fields) -> InviteInfo:
        by = f.opt_sub("by")
        if by is None:
            raise f.fail("field 'by' is missing")
        desc = f.opt_str("groupdesc") or ""
        return cls(f.req_int("id"), f.req_str("groupname"), desc, Person.from_wire(by))


@dataclass(frozen=True, slots=True)
class GroupEvent:
    """A change of a group, pushed to every member (and to the user it removed, who left,
    or who was invited): `event` (one of EVENTS) happened to `user`, done `by` another
    where that is not the user; `group` carries the group's settings for `edited` and
    `invited`. Legacy clients hear none of it."""

    MSGID: ClassVar[MsgId] = MsgId.GROUP_EVENT

    groupid: int
    event: str
    user: Person
    by: Person | None = None
    group: GroupSettings | None = None

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        obj: Wire = {"msgid": MsgId.GROUP_EVENT, "groupid": self.groupid, "event": self.event}
        obj["user"] = self.user.to_wire()
        if self.by is not None:
            obj["by"] = self.by.to_wire()
        if self.group is not None:
            obj["group"] = self.group.to_wire()
        return obj

    @classmethod
    def from_wire(cls, f: Fields) -> GroupEvent:
        user, by, group = f.opt_sub("user"), f.opt_sub("by"), f.opt_sub("group")
        if user is None:
            raise f.fail("field 'user' is missing")
        return cls(
            groupid=f.req_int("groupid"),
            event=f.req_str("event"),
            user=Person.from_wire(user),
            by=Person.from_wire(by) if by is not None else None,
            group=GroupSettings.from_wire(group) if group is not None else None,
        )


@dataclass(frozen=True, slots=True)
class _GroupUser:
    """A request about user `userid` in group `groupid`; its subclass names the msgid."""

    MSGID: ClassVar[MsgId]

    groupid: int
    userid: int
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": self.MSGID, "groupid": self.groupid, "userid": self.userid}
        return with_rid(obj, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> Self:
        return cls(groupid=f.req_int("groupid"), userid=f.req_int("userid"), rid=f.rid)


@dataclass(frozen=True, slots=True)
class GroupInvite(_GroupUser):
    """Invite user `userid` into group `groupid`."""

    MSGID: ClassVar[MsgId] = MsgId.GROUP_INVITE


@dataclass(frozen=True, slots=True)
class Invites(UserList):
    """The user's pending invitations, by group id."""

    MSGID: ClassVar[MsgId] = MsgId.INVITES


@dataclass(frozen=True, slots=True)
class InviteAnswer:
    """Accept (join the group) or decline the invitation into group `groupid`."""

    MSGID: ClassVar[MsgId] = MsgId.INVITE_ANSWER

    groupid: int
    accept: bool
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": self.MSGID, "groupid": self.groupid, "accept": self.accept}
        return with_rid(obj, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> InviteAnswer:
        accept = f.opt_bool("accept")
        if accept is None:
            raise f.fail("field 'accept' is missing")
        return cls(groupid=f.req_int("groupid"), accept=accept, rid=f.rid)


@dataclass(frozen=True, slots=True)
class LeaveGroup:
    """Leave group `groupid`."""

    MSGID: ClassVar[MsgId] = MsgId.LEAVE_GROUP

    groupid: int
    rid: Rid = None

    def to_wire(self) -> Wire:
        return with_rid({"msgid": self.MSGID, "groupid": self.groupid}, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> LeaveGroup:
        return cls(groupid=f.req_int("groupid"), rid=f.rid)


@dataclass(frozen=True, slots=True)
class RemoveMember(_GroupUser):
    """Remove user `userid` from group `groupid`."""

    MSGID: ClassVar[MsgId] = MsgId.REMOVE_MEMBER


@dataclass(frozen=True, slots=True)
class SetRole:
    """Make member `userid` of group `groupid` an `admin` or a plain `member`."""

    MSGID: ClassVar[MsgId] = MsgId.SET_ROLE

    groupid: int
    userid: int
    role: str
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": self.MSGID, "groupid": self.groupid, "userid": self.userid}
        return with_rid({**obj, "role": self.role}, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> SetRole:
        role = f.req_str("role")
        if role not in ROLES:
            raise f.fail(f"field 'role' must be one of {', '.join(ROLES)}")
        return cls(groupid=f.req_int("groupid"), userid=f.req_int("userid"), role=role, rid=f.rid)


@dataclass(frozen=True, slots=True)
class EditGroup:
    """Change what is named of group `groupid` (the rest stays); the ACK carries the
    group's settings as they now are."""

    MSGID: ClassVar[MsgId] = MsgId.EDIT_GROUP

    groupid: int
    name: str | None = None
    desc: str | None = None
    public: bool | None = None
    history: str | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": self.MSGID, "groupid": self.groupid}
        fields = {"name": self.name, "desc": self.desc, "public": self.public}
        return with_rid(optional(obj, **fields, history=self.history), self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> EditGroup:
        return cls(
            groupid=f.req_int("groupid"),
            name=f.opt_str("name"),
            desc=f.opt_str("desc"),
            public=f.opt_bool("public"),
            history=_history(f),
            rid=f.rid,
        )


GROUP_REQUESTS = (GroupInvite, Invites, InviteAnswer, LeaveGroup, RemoveMember, SetRole, EditGroup)
