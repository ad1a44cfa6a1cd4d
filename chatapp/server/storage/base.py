"""The Storage interface, its row types and its errors: what every backend must provide."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from chatapp.protocol import Chat, ChatMessage, GroupMessage, MsgId

CREATOR = "creator"
NORMAL = "normal"


@dataclass(frozen=True, slots=True)
class User:
    """An account; `password_hash` is the encoded hash, never the password."""

    id: int
    name: str
    password_hash: str


@dataclass(frozen=True, slots=True)
class Contact:
    """Another user as seen in a friend list or a group: id and name."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Member:
    """A group member with role `creator` or `normal`."""

    id: int
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class Group:
    """A group with its members, ordered by user id."""

    id: int
    name: str
    desc: str
    members: tuple[Member, ...] = ()


class StorageError(Exception):
    """Base of every error a backend raises; driver errors never leave a backend."""


class StorageUnavailable(StorageError):
    """The database cannot be reached or failed; the request may succeed if retried."""


class NameTaken(StorageError):
    """A user or group with this name exists already."""


class NoSuchUser(StorageError):
    """The user id names no account."""


class NoSuchGroup(StorageError):
    """The group id names no group."""


class AlreadyExists(StorageError):
    """The friendship or membership exists already."""


class Storage(Protocol):
    """Accounts, friendships, groups and undelivered messages.

    Methods speak the domain and return frozen rows. Every method is safe to call
    concurrently; a method that writes several rows does it in one transaction.
    """

    async def open(self, *, upgrade: bool = False) -> None:
        """Connects; creates the schema on an empty database.

        Raises StorageError, with a message for the operator, when the database holds a
        schema newer than this code knows, or an older one and `upgrade` is false. A
        backend whose database belongs to one server alone (SQLite) upgrades in place.
        """

    async def close(self) -> None:
        """Releases connections; the object is unusable afterwards."""

    async def create_user(self, name: str, password_hash: str) -> User:
        """Creates an account; raises NameTaken."""

    async def user_by_id(self, user_id: int) -> User | None:
        """The account with this id, if any."""

    async def user_by_name(self, name: str) -> User | None:
        """The account with this exact name, if any."""

    async def add_friendship(self, user_id: int, friend_id: int) -> Contact:
        """Makes two users friends of each other; returns the friend.

        Raises NoSuchUser for an unknown friend_id and AlreadyExists for friends.
        """

    async def friends(self, user_id: int) -> list[Contact]:
        """The user's friends, ordered by id."""

    async def create_group(self, name: str, desc: str, creator_id: int) -> Group:
        """Creates a group whose only member is its creator (role `creator`); raises NameTaken."""

    async def join_group(self, group_id: int, user_id: int) -> Group:
        """Adds a `normal` member; returns the group with every member.

        Raises NoSuchGroup and AlreadyExists.
        """

    async def group_member_ids(self, group_id: int) -> list[int] | None:
        """The ids of a group's members, or None where the group does not exist."""

    async def groups_of(self, user_id: int) -> list[Group]:
        """Every group the user belongs to, with all members, ordered by group id."""

    async def store_offline(self, user_ids: Sequence[int], message: Chat) -> None:
        """Keeps a message for each of these users until they take it."""

    async def take_offline(self, user_id: int) -> list[Chat]:
        """Removes and returns the user's stored messages, oldest first, in one transaction."""


ChatColumns = tuple[int, int, str, int, str, str, int, int]
"""A message as stored: msgid, sender id, sender name, toid or groupid, text, time, mid, ts."""


def chat_columns(message: Chat) -> ChatColumns:
    """The columns both backends store for a message."""
    if isinstance(message, GroupMessage):
        kind, target = int(MsgId.GROUP_CHAT), message.groupid
    else:
        kind, target = int(MsgId.ONE_CHAT), message.toid
    return (
        kind,
        message.id,
        message.name,
        target,
        message.msg,
        message.time,
        message.mid,
        message.ts,
    )


def chat_from_columns(row: Sequence[object]) -> Chat:
    """The message that `chat_columns` stored."""
    kind, sender, name, target, text, time, mid, ts = row
    assert isinstance(sender, int) and isinstance(target, int)
    assert isinstance(mid, int) and isinstance(ts, int)
    fields = (sender, str(name), target, str(text), str(time), mid, ts)
    if kind == MsgId.GROUP_CHAT:
        return GroupMessage(*fields)
    return ChatMessage(*fields)
