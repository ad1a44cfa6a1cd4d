"""The paging requests: a user's friends, a user's groups and a group's members, a page at
a time after the last id the client holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from .codes import MsgId
from .errors import Rid
from .fields import Fields
from .parts import Wire, optional, with_rid


@dataclass(frozen=True, slots=True)
class UserList:
    """A page of one of the user's own lists: ids above `after` (from the first), at most
    `limit`."""

    MSGID: ClassVar[MsgId]

    after: int | None = None
    limit: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj = optional({"msgid": self.MSGID}, after=self.after, limit=self.limit)
        return with_rid(obj, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> Self:
        return cls(after=f.opt_int("after"), limit=f.opt_int("limit"), rid=f.rid)


@dataclass(frozen=True, slots=True)
class Friends(UserList):
    """The user's friends, with their presence."""

    MSGID: ClassVar[MsgId] = MsgId.FRIENDS


@dataclass(frozen=True, slots=True)
class Groups(UserList):
    """The user's groups, each with its number of members."""

    MSGID: ClassVar[MsgId] = MsgId.GROUPS


@dataclass(frozen=True, slots=True)
class Members:
    """The members of group `groupid` with user ids above `after`, at most `limit`; only
    a member may ask."""

    MSGID: ClassVar[MsgId] = MsgId.MEMBERS

    groupid: int
    after: int | None = None
    limit: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.MEMBERS, "groupid": self.groupid}
        return with_rid(optional(obj, after=self.after, limit=self.limit), self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> Members:
        groupid, after, limit = f.req_int("groupid"), f.opt_int("after"), f.opt_int("limit")
        return cls(groupid=groupid, after=after, limit=limit, rid=f.rid)
