"""The Storage interface, its row types and its errors: what every backend must provide."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    """Accounts, friendships, groups, the message log with its deliveries, resume tokens.

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

    async def log_messages(
        self, batch: Sequence[NewMessage], acks: Mapping[int, int]
    ) -> list[Logged]:
        """Logs a batch of messages and moves delivery cursors, in one transaction.

        Each message is kept for history and given to each recipient with the next number
        of the recipient's delivery sequence. A message whose sender logged a message with
        the same `cid` before is not logged again: its Logged names the first one.
        `acks` moves each user's cursor up to the sequence number given (never back) and
        forgets the deliveries at or below it. Raises NoSuchUser for an unknown recipient.
        """

    async def pending(self, user_id: int, after: int | None, limit: int) -> Pending:
        """Up to `limit` deliveries to the user numbered above `after`, oldest first;
        above the user's cursor where `after` is None."""

    async def history(
        self, conversation: Conversation, before: int | None, limit: int
    ) -> list[Chat]:
        """Up to `limit` messages of a conversation with ids below `before`, newest first."""

    async def save_token(
        self,
        token_hash: str,
        user_id: int,
        expires_ms: int,
        now_ms: int,
        *,
        replacing: str | None = None,
    ) -> None:
        """Keeps a resume token's hash until `expires_ms`; the user's tokens that have
        expired by `now_ms` are forgotten, and so is the token `replacing` names (the one
        just spent on a login), in the same transaction."""

    async def user_by_token(self, token_hash: str, now_ms: int) -> User | None:
        """The user a resume token belongs to, if it exists and has not expired."""

    async def drop_token(self, token_hash: str) -> None:
        """Forgets a resume token (spent or revoked)."""


Conversation = tuple[int, int, int]
"""(msgid, low, high): ONE_CHAT with both user ids in order, or GROUP_CHAT, group id, 0."""


def conversation_of(message: Chat) -> Conversation:
    """The conversation a message belongs to."""
    if isinstance(message, GroupMessage):
        return (int(MsgId.GROUP_CHAT), message.groupid, 0)
    low, high = sorted((message.id, message.toid))
    return (int(MsgId.ONE_CHAT), low, high)


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A chat to log, the users it goes to, and the sender's own id for it (`cid`)."""

    message: Chat
    recipients: tuple[int, ...]
    cid: str | None = None


@dataclass(frozen=True, slots=True)
class Logged:
    """What the log made of a NewMessage: its id, and (user id, sequence number) per
    recipient; `duplicate` where the sender's cid was logged before (nothing new was)."""

    mid: int
    deliveries: tuple[tuple[int, int], ...] = ()
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class Pending:
    """Deliveries waiting for a user, each message carrying its `seq`, oldest first;
    `after` is the sequence number they follow."""

    after: int
    messages: list[Chat]


MESSAGE_COLUMNS = "kind, sender_id, sender_name, target_id, body, sent_time, id, ts"
"""The columns `chat_from_row` reads, in its order, after which a query may add seq."""


def message_row(message: Chat, cid: str | None) -> tuple[object, ...]:
    """The values of a `messages` row: id, kind, sender id and name, target, conversation,
    text, time, ts, cid."""
    kind, low, high = conversation_of(message)
    target = message.groupid if isinstance(message, GroupMessage) else message.toid
    return (
        message.mid, kind, message.id, message.name, target, low, high,
        message.msg, message.time, message.ts, cid,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class NumberedBatch:
    """What a batch of the log makes: a Logged per message, the rows of `messages` and
    `deliveries` to insert, and each recipient's new last_seq."""

    logged: list[Logged]
    messages: list[tuple[object, ...]]
    deliveries: list[tuple[int, int, int]]
    last: dict[int, int]


def number_batch(
    batch: Sequence[NewMessage],
    last_seqs: Mapping[int, int],
    logged_cids: Mapping[tuple[int, str], int],
) -> NumberedBatch:
    """Numbers a batch for both backends' logs, given each recipient's last_seq and the
    id of every (sender, cid) of the batch logged before: those, and a cid repeated
    within the batch, become duplicates of the first."""
    last = dict(last_seqs)
    first = dict(logged_cids)
    logged: list[Logged] = []
    messages: list[tuple[object, ...]] = []
    deliveries: list[tuple[int, int, int]] = []
    for new in batch:
        if new.cid is not None:
            key = (new.message.id, new.cid)
            if key in first:
                logged.append(Logged(first[key], duplicate=True))
                continue
            first[key] = new.message.mid
        messages.append(message_row(new.message, new.cid))
        numbered = []
        for uid in new.recipients:
            seq = last[uid] = last[uid] + 1
            numbered.append((uid, seq))
            deliveries.append((uid, seq, new.message.mid))
        logged.append(Logged(new.message.mid, tuple(numbered)))
    return NumberedBatch(logged, messages, deliveries, last)


def chat_from_row(row: Sequence[object]) -> Chat:
    """The message of a row of MESSAGE_COLUMNS, with the delivery seq where one follows."""
    kind, sender, name, target, text, time, mid, ts, *rest = row
    seq = rest[0] if rest else 0
    assert isinstance(sender, int) and isinstance(target, int) and isinstance(seq, int)
    assert isinstance(mid, int) and isinstance(ts, int)
    fields = (sender, str(name), target, str(text), str(time), mid, ts, seq)
    if kind == MsgId.GROUP_CHAT:
        return GroupMessage(*fields)
    return ChatMessage(*fields)
