"""The Storage interface, one narrow protocol per concern, and the errors every backend raises.

Methods speak the domain and return the frozen rows of `rows`. Every method is safe to call
concurrently; a method that writes several rows does it in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from .base_admin import Admin
from .base_social import Blocks, Friendships, GroupRoles, People
from .device_rows import Device, DeviceAck, Opened
from .rows import (
    Contact,
    Conversation,
    Group,
    Logged,
    Member,
    NewMessage,
    Pending,
    Settings,
    StoredMessage,
    User,
)
from .skeletons import Skeleton


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


class NoSuchRequest(StorageError):
    """No such friend request waits."""


class NotFriends(StorageError):
    """The two users are not friends."""


class TooManyRequests(StorageError):
    """The user has as many friend requests waiting for answers as they may."""


class InviteOnly(StorageError):
    """The group is invite-only and the user holds no invitation into it."""


class GroupFull(StorageError):
    """The group has as many members, or pending invitations, as it may."""


class NoSuchInvitation(StorageError):
    """The user holds no pending invitation into the group."""


class NotAMember(StorageError):
    """The user is not a member of the group."""


class TokenSpent(StorageError):
    """The resume token a login would replace is no longer the device's (spent, revoked)."""


class LimitReached(StorageError):
    """A bound was reached: `scope` names which (`blocks`: the user blocks as many as they
    may; `sender`: the sender's held messages; `recipient`: all held for the recipient)."""

    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


class Lifecycle(Protocol):
    """Opening and closing the connection to the database."""

    async def open(self, *, upgrade: bool = False) -> None:
        """Connects; creates the schema on an empty database.

        Raises StorageError, with a message for the operator, when the database holds a
        schema newer than this code knows, or an older one and `upgrade` is false. A
        backend whose database belongs to one server alone (SQLite) upgrades in place.
        """

    async def close(self) -> None:
        """Releases connections; the object is unusable afterwards."""

    async def ping(self) -> None:
        """Runs a trivial query: raises StorageUnavailable when the database cannot."""


class Accounts(Protocol):
    """Users: made once, found by id or by name."""

    async def create_user(
        self, name: str, password_hash: str, *, skeleton: str | None = None
    ) -> User:
        """Creates an account; raises NameTaken for a name taken, or whose confusable
        `skeleton` a user or group holds (None records none: tools and tests)."""

    async def user_by_id(self, user_id: int) -> User | None:
        """The account with this id, if any."""

    async def user_by_name(self, name: str) -> User | None:
        """The account with this exact name, if any."""

    async def settings(self, user_id: int) -> Settings:
        """The user's privacy settings (the defaults where none were saved)."""

    async def save_settings(self, user_id: int, settings: Settings) -> None:
        """Keeps the user's privacy settings; raises NoSuchUser for an unknown user."""

    async def set_password(self, user_id: int, password_hash: str) -> None:
        """Replaces the user's password hash and forgets every resume token of the user,
        in one transaction."""

    async def claim_skeletons(self, skeleton: Skeleton) -> int:
        """Records the skeleton of every user and group name that has none yet (names from
        before skeletons were kept), unless another name holds it; returns how many."""


class Social(Protocol):
    """Friendships and groups with their members. Lists come in pages ordered by id:
    up to `limit` items with ids above `after` (from the first where it is None)."""

    async def add_friendship(self, user_id: int, friend_id: int) -> Contact:
        """Makes two users friends of each other; returns the friend.

        Raises NoSuchUser for an unknown friend_id and AlreadyExists for friends.
        """

    async def friends(self, user_id: int, after: int | None, limit: int) -> list[Contact]:
        """A page of the user's friends."""

    async def friend_ids(self, user_id: int) -> list[int]:
        """The ids of all the user's friends, ordered."""

    async def group_member_ids(self, group_id: int) -> list[int] | None:
        """The ids of a group's members, or None where the group does not exist."""

    async def groups_of(self, user_id: int, after: int | None, limit: int) -> list[Group]:
        """A page of the groups the user belongs to, each with its count of members."""

    async def members(self, group_id: int, after: int | None, limit: int) -> list[Member] | None:
        """A page of a group's members, or None where the group does not exist."""

    async def first_members(self, group_ids: Sequence[int], limit: int) -> dict[int, list[Member]]:
        """The first `limit` members of each of the groups (by id), in one read."""


class MessageLog(Protocol):
    """Every chat kept for history, and each recipient's numbered deliveries of it."""

    async def log_messages(
        self,
        batch: Sequence[NewMessage],
        acks: Sequence[DeviceAck] = (),
        *,
        seen_ms: int = 0,
        stale_ms: int = 0,
    ) -> list[Logged]:
        """Logs a batch of messages and moves delivery positions, in one transaction.

        Each message is kept for history and given to each recipient with the next number
        of the recipient's delivery sequence. A message whose sender logged a message with
        the same `cid` before is not logged again: its Logged names the first one, with the
        first's deliveries to this one's recipients that are still in the log, so that a
        retry whose first attempt had an unknown outcome can be delivered.

        Each of `acks` moves its device's position up to its seq (never back) and marks the
        device seen at `seen_ms`; an ack of a device that no longer exists moves nothing.
        Then each acknowledging user's cursor (the floor under which the log forgets their
        deliveries) rises to the lowest position among their devices seen at or after
        `stale_ms` (devices away longer hold nothing back), never back, and the deliveries
        at or below it are forgotten. Raises NoSuchUser for an unknown recipient.
        """

    async def pending(self, user_id: int, after: int | None, limit: int) -> Pending:
        """Up to `limit` deliveries to the user numbered above `after`, oldest first;
        above the user's cursor where `after` is None."""

    async def history(
        self, conversation: Conversation, before: int | None, limit: int
    ) -> list[StoredMessage]:
        """Up to `limit` messages of a conversation with ids below `before`, newest first."""

    async def last_seq(self, user_id: int) -> int:
        """The highest delivery number the user was ever given (0: none yet)."""


class Tokens(Protocol):
    """Resume tokens, kept only as hashes, each belonging to one device of an account."""

    async def save_token(
        self,
        token_hash: str,
        device: Device,
        expires_ms: int,
        now_ms: int,
        *,
        replacing: str | None = None,
        max_tokens: int = 4,
        seen_from: str | None = None,
    ) -> None:
        """Keeps a resume token's hash for `device` until `expires_ms`. Where `replacing`
        (the token just spent on a login) is given, the new token takes its place: the
        device's count of tokens stays as it was; where it is no longer one of the
        device's (spent by another login meanwhile, or revoked), raises TokenSpent and
        changes nothing, so that a token resumes one login at most. Otherwise the user's
        tokens that have expired by `now_ms` are forgotten, and the device keeps at most
        `max_tokens` (the ones expiring first go). With `seen_from`, the device is also
        marked seen at `now_ms` from that address (as touch_device: a login resumed it).
        All in one transaction: raises NoSuchUser, changing nothing, where the user has
        no such device."""

    async def device_by_token(self, token_hash: str, now_ms: int) -> tuple[User, Device] | None:
        """The user and device a resume token belongs to, if it exists and has not expired."""

    async def drop_token(self, token_hash: str) -> None:
        """Forgets a resume token (spent or revoked)."""

    async def drop_tokens(self, user_id: int) -> int:
        """Forgets every resume token of the user; returns how many there were."""


class Devices(Protocol):
    """An account's devices: each a session it can resume, with its own position."""

    async def open_device(
        self,
        user_id: int,
        name: str,
        *,
        legacy: bool,
        now_ms: int,
        address: str,
        max_devices: int,
        named: bool = False,
    ) -> Opened:
        """A device to log in as. `legacy`: the account's legacy device, made the first
        time. `named`: the account's (not legacy) device of this very name where it has
        one, opened again by its owner: its resume tokens are revoked, its position kept.
        Otherwise a new device. A new device starts at the highest position among
        the user's devices (what none of them has seen is what it gets), or at the user's
        cursor where they have none. It is marked seen at `now_ms` from `address`. Where
        the account then has more than `max_devices`, the least recently seen others are
        ended (as end_device), and named in `ended`. Raises NoSuchUser."""

    async def touch_device(self, device_id: int, now_ms: int, address: str) -> None:
        """Marks a device seen at `now_ms` from `address` (a login resumed it)."""

    async def devices(self, user_id: int) -> list[Device]:
        """The user's devices, by id."""

    async def device_ids(self, user_id: int) -> list[int]:
        """The ids of the user's devices, in order: `devices` without the rest."""

    async def end_device(self, user_id: int, device_id: int) -> bool:
        """Forgets the user's device and its resume tokens; False where the user has no
        such device."""

    async def end_devices(self, user_id: int, keep: int | None = None) -> list[int]:
        """Forgets every device of the user but `keep`, with their tokens; their ids."""


class Storage(
    Lifecycle,
    Accounts,
    Social,
    Friendships,
    GroupRoles,
    Blocks,
    MessageLog,
    Tokens,
    Devices,
    People,
    Admin,
    Protocol,
):
    """Everything a server keeps: what a backend (sqlite.py, mysql.py) provides."""
