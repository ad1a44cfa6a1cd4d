"""The member pane's model: the open group's members as rows, the creator first, then
admins, then the rest, each with role and presence; a row to read more. No Textual."""

from __future__ import annotations

from dataclasses import dataclass

from chatapp.protocol import ONLINE, FriendInfo, GroupInfo, MemberInfo

PANE_MEMBERS = 1000
"""The most members the pane reads, a page at a time as it is asked (MEMBERS pages of the
server's size): a group of ten thousand is not a list to scroll."""

RANKS = {"creator": 0, "admin": 1}
ROLES = {"creator": "creator", "admin": "admin", "normal": "member"}
"""The role a row shows: a plain member is `normal` as the server lists them, `member` as
SET_ROLE (and /role) names them."""

MORE = "more"
"""The id of the row that reads the next page."""


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One row of the pane: a member (`id`), or the row to read more (`id` MORE) or to say
    how many are not read (`id` None)."""

    id: int | str | None
    name: str
    role: str = ""
    online: bool = False
    me: bool = False


@dataclass(frozen=True, slots=True)
class Roster:
    """The pane of one group: its heading and rows."""

    group_id: int
    heading: str
    rows: tuple[MemberRow, ...]

    @property
    def after(self) -> int | None:
        """The member id the next page starts after: the highest read (pages go by id)."""
        ids = [r.id for r in self.rows if isinstance(r.id, int)]
        return max(ids, default=None)


def roster(group: GroupInfo, friends: dict[int, FriendInfo], me: int) -> Roster:
    """The pane of `group`: its members read so far, creator first, then admins, then the
    rest, each in the server's order (by id: a page read comes below the rows shown);
    presence as the member list said, or live where they are friends."""
    rows = [_row(m, friends, me) for m in group.users]
    rows.sort(key=lambda r: (RANKS.get(r.role, 2), r.id if isinstance(r.id, int) else 0))
    count = max(group.count, len(group.users))
    unread = count - len(group.users)
    if unread > 0 and len(group.users) < PANE_MEMBERS:
        rows.append(MemberRow(MORE, f"more… ({unread:,} not listed yet)"))
    elif unread > 0:
        rows.append(MemberRow(None, f"and {unread:,} more"))
    online = sum(r.online for r in rows if isinstance(r.id, int))
    heading = f"Members · {count:,}" + (f" · {online:,} online" if online else "")
    return Roster(group.id, heading, tuple(rows))


def _row(member: MemberInfo, friends: dict[int, FriendInfo], me: int) -> MemberRow:
    friend = friends.get(member.id)
    state = ONLINE if member.id == me else friend.state if friend else member.state
    role = ROLES.get(member.role, member.role)
    return MemberRow(member.id, member.name, role, state == ONLINE, member.id == me)
