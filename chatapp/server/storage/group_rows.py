"""The rows of groups with roles and privacy: a group's settings, a membership, an
invitation, and what a departure changed."""

from __future__ import annotations

from dataclasses import dataclass

from .rows import Group, Member

ADMIN = "admin"
ALL = "all"
JOINED = "joined"


@dataclass(frozen=True, slots=True)
class GroupProfile:
    """A group with its privacy: `public` (anyone may join) and `history` (`all`: a
    newcomer reads everything; `joined`: only from their joining on)."""

    id: int
    name: str
    desc: str
    public: bool
    history: str
    count: int


@dataclass(frozen=True, slots=True)
class Membership:
    """A user's place in a group: role (`creator`, `admin` or `normal`), joining point (the
    message id of the moment they joined; 0: from before joining points were kept), and
    the group's `history` setting, which says whether that point bounds what they read."""

    role: str
    joined_mid: int
    history: str = ALL

    @property
    def floor(self) -> int:
        """The first message id the member may read of the group's history."""
        return self.joined_mid if self.history == JOINED else 0


@dataclass(frozen=True, slots=True)
class Invitation:
    """A pending invitation into a group, and who made it."""

    group_id: int
    group_name: str
    group_desc: str
    inviter_id: int
    inviter_name: str


@dataclass(frozen=True, slots=True)
class Departure:
    """A member gone from a group: the role they had, the member who became creator in
    their place (when the creator left others behind), and how many members remain."""

    role: str
    successor: Member | None
    count: int


@dataclass(frozen=True, slots=True)
class GroupEdit:
    """What an edit changes of a group's settings: each field given, the others stay."""

    name: str | None = None
    desc: str | None = None
    public: bool | None = None
    history: str | None = None

    def columns(self) -> dict[str, object]:
        """The columns of chat_groups it changes, with their new values (both backends
        name them alike)."""
        given: dict[str, object] = {"name": self.name, "description": self.desc}
        given |= {"is_public": self.public, "history": self.history}
        return {column: value for column, value in given.items() if value is not None}


def counted(profile: GroupProfile, count: int) -> Group:
    """The group of `profile`, with `count` members."""
    return Group(profile.id, profile.name, profile.desc, count, profile.public, profile.history)
