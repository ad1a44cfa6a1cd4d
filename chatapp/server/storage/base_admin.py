"""The operator's protocol, Admin (what chatapp-admin runs), and the reports it returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .group_rows import GroupProfile
from .rows import Contact, Member, RequestCounts, Settings, User


@dataclass(frozen=True, slots=True)
class GroupRole:
    """A group a user belongs to, and the user's role in it."""

    id: int
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class UserReport:
    """All an operator is shown of one account."""

    user: User
    friends: int
    first_friends: tuple[Contact, ...]
    groups: tuple[GroupRole, ...]
    requests: RequestCounts
    settings: Settings
    blocks: int
    deliveries: int
    tokens: int


@dataclass(frozen=True, slots=True)
class GroupReport:
    """All an operator is shown of one group: its first members, creator first."""

    profile: GroupProfile
    members: tuple[Member, ...]
    invitations: int
    messages: int


@dataclass(frozen=True, slots=True)
class Stats:
    """What the whole database holds."""

    users: int
    groups: int
    messages: int
    deliveries: int
    friend_requests: int


def tombstone_name(user_id: int) -> str:
    """The name a deleted account's row keeps: two spaces in a row, which the server
    refuses in a name (text.check_name), so no registration can have taken it first."""
    return f"deleted user  #{user_id}"


class Admin(Protocol):
    """What an operator does beside the server: find, inspect, disable and delete
    accounts; inspect, delete and hand over groups; count everything. Each write is one
    transaction."""

    async def find_users(self, text: str, limit: int) -> list[User]:
        """Users whose name starts with `text` (case-folded, as USERS compares), findable
        or not, and the user whose id `text` is; by id."""

    async def user_report(self, user_id: int, page: int) -> UserReport | None:
        """The account with its counts and the first `page` friends and groups."""

    async def set_disabled(self, user_id: int, disabled: bool) -> int:
        """Disables or enables an account; disabling forgets its resume tokens. Returns
        how many tokens were forgotten; raises NoSuchUser."""

    async def end_sessions(self, user_id: int) -> int:
        """Ends the user's sessions: forgets their resume tokens (returns how many) and
        gives them the next `ended` number, which every server watches (ended_after) to
        close the user's live connections. Disabling and deleting do the same. Raises
        NoSuchUser."""

    async def ended_after(self, after: int | None) -> list[tuple[int, int]]:
        """(user id, number) of the users whose sessions were ended after number `after`,
        oldest first, at most 1000; with None, only (0, the last number given)."""

    async def groups_ended_after(self, after: int | None) -> list[tuple[int, int]]:
        """(group id, number) of the groups deleted (delete_group) after number `after`,
        numbered as ended_after's users are but apart; with None, (0, the last)."""

    async def delete_user(self, user_id: int) -> str:
        """Deletes an account's data in one transaction and returns the name its row now
        has: friendships, friend requests, blocks and accepted senders both ways, held
        messages both ways, invitations both ways, settings, tokens, read markers,
        deliveries, memberships (a creator's group passes on as drop_member does; a group
        left empty stays, as when its last member leaves) and the name's skeleton. The row
        stays, disabled and renamed to tombstone_name with no password, because the
        messages it sent stay in others' history (under the name they were sent with)
        and refer to it. Raises NoSuchUser."""

    async def group_id_by_name(self, name: str) -> int | None:
        """The id of the group with this exact name, if any."""

    async def group_report(self, group_id: int, page: int) -> GroupReport | None:
        """The group with its first `page` members and its counts."""

    async def delete_group(self, group_id: int) -> None:
        """Deletes a group with its members, invitations, name skeleton, conversation head,
        read markers and messages, but for those still waiting for a member: they stay, and
        are delivered (their numbers are in the member's sequence). The group is given the
        next number of groups_ended_after, which servers watch to forget its members. Raises
        NoSuchGroup."""

    async def transfer_group(self, group_id: int, user_id: int) -> None:
        """Makes a member the creator; the old creator becomes an admin. Raises
        NoSuchGroup and NotAMember."""

    async def stats(self) -> Stats:
        """Counts of users (tombstones too), groups, messages logged, deliveries waiting
        and friend requests waiting."""
