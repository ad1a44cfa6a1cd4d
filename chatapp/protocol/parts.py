"""The parts messages share: friend, member and group records, and wire-form helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from .codes import Dialect
from .errors import Rid
from .fields import Fields

Wire = dict[str, Any]

ONLINE = "online"
OFFLINE = "offline"


def with_rid(obj: Wire, rid: Rid) -> Wire:
    """Adds the request id, where there is one."""
    if rid is not None:
        obj["rid"] = rid
    return obj


def optional(obj: Wire, **fields: object) -> Wire:
    """Adds the fields that are not None."""
    obj.update((key, value) for key, value in fields.items() if value is not None)
    return obj


def legacy_list(items: list[Wire]) -> list[str]:
    """A list as the original server sent it: each element JSON text of its own."""
    # The original server encodes each list element as JSON text of its own.
    return [orjson.dumps(item).decode() for item in items]


@dataclass(frozen=True, slots=True)
class FriendInfo:
    """A friend as listed to a user: id, name and presence."""

    id: int
    name: str
    state: str = OFFLINE

    def to_wire(self) -> Wire:
        return {"id": self.id, "name": self.name, "state": self.state}

    @classmethod
    def from_wire(cls, f: Fields) -> FriendInfo:
        return cls(f.req_int("id"), f.req_str("name"), f.opt_str("state") or OFFLINE)


@dataclass(frozen=True, slots=True)
class MemberInfo:
    """A group member: id, name, presence and role (`creator`, `admin` or `normal`; the
    legacy dialect, which knows no admins, shows an admin as `normal`)."""

    id: int
    name: str
    state: str
    role: str

    def to_wire(self) -> Wire:
        return {"id": self.id, "name": self.name, "state": self.state, "role": self.role}

    @classmethod
    def from_wire(cls, f: Fields) -> MemberInfo:
        state, role = f.opt_str("state") or OFFLINE, f.opt_str("role") or "normal"
        return cls(f.req_int("id"), f.req_str("name"), state, role)


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """A group: in the current protocol with its number of members (`count`), which a
    client pages through with MEMBERS, and its privacy (`public`, `history`); in the legacy
    dialect with its members (`users`), as many as the frame holds, as the original listed
    them."""

    id: int
    groupname: str
    groupdesc: str
    users: tuple[MemberInfo, ...] = ()
    count: int = 0
    public: bool = True
    history: str = "all"

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        obj: Wire = {"id": self.id, "groupname": self.groupname, "groupdesc": self.groupdesc}
        if dialect is Dialect.LEGACY:
            obj["users"] = legacy_list([_legacy_member(u) for u in self.users])
        else:
            obj["count"] = self.count
            obj["public"], obj["history"] = self.public, self.history
        return obj

    @classmethod
    def from_wire(cls, f: Fields) -> GroupInfo:
        users = tuple(MemberInfo.from_wire(u) for u in f.subs("users"))
        return cls(
            id=f.req_int("id"),
            groupname=f.req_str("groupname"),
            groupdesc=f.opt_str("groupdesc") or "",
            users=users,
            count=f.opt_int("count") or len(users),
            public=f.opt_bool("public") is not False,
            history=f.opt_str("history") or "all",
        )


def _legacy_member(member: MemberInfo) -> Wire:
    """A member as the original console client knows them: `creator` or `normal`."""
    wire = member.to_wire()
    if member.role != "creator":
        wire["role"] = "normal"
    return wire
