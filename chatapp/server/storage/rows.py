"""The rows storage speaks in: frozen dataclasses of its own, never the wire's messages."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

CREATOR = "creator"
NORMAL = "normal"
FIRST = -(1 << 63)
"""Below every id: where a page of friends, groups or members starts when `after` is None."""


@dataclass(frozen=True, slots=True)
class User:
    """An account; `password_hash` is the encoded hash, never the password; a `disabled`
    account cannot log in (an operator's doing: chatapp-admin)."""

    id: int
    name: str
    password_hash: str
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class Settings:
    """A user's privacy settings: who may message them when they are not friends
    (`everyone`, `requests`: kept apart until answered, `nobody`), whether a search by
    name prefix lists them, whether their read markers are shown to others."""

    strangers: str = "everyone"
    findable: bool = True
    receipts: bool = True


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
    """A group, how many members it has (the members themselves are read in pages), and
    its privacy: `public` (anyone may join) and `history` (`all` or `joined`: what a
    newcomer reads)."""

    id: int
    name: str
    desc: str
    count: int
    public: bool = True
    history: str = "all"


class Kind(IntEnum):
    """What a conversation is; the numbers are what the log stores (the legacy msgids of
    the two chats)."""

    DIRECT = 6
    GROUP = 10


@dataclass(frozen=True, slots=True)
class Conversation:
    """The messages between two users, or in a group: what history pages through."""

    kind: Kind
    low: int
    """DIRECT: the smaller user id; GROUP: the group id."""
    high: int
    """DIRECT: the larger user id; GROUP: 0."""

    @classmethod
    def direct(cls, a: int, b: int) -> Conversation:
        """The conversation of users a and b, whichever of them writes."""
        return cls(Kind.DIRECT, a, b) if a <= b else cls(Kind.DIRECT, b, a)

    @classmethod
    def group(cls, group_id: int) -> Conversation:
        return cls(Kind.GROUP, group_id, 0)


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A chat as the log keeps it."""

    mid: int
    kind: Kind
    sender_id: int
    sender_name: str
    target: int
    """The recipient's user id (DIRECT) or the group id (GROUP)."""
    text: str
    time: str
    """The server's 'YYYY-MM-DD HH:MM:SS'."""
    ts: int
    """Epoch milliseconds."""

    @property
    def conversation(self) -> Conversation:
        if self.kind is Kind.GROUP:
            return Conversation.group(self.target)
        return Conversation.direct(self.sender_id, self.target)


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A chat to log, the users it goes to, and the sender's own id for it (`cid`)."""

    message: StoredMessage
    recipients: tuple[int, ...]
    cid: str | None = None


@dataclass(frozen=True, slots=True)
class Logged:
    """What the log made of a NewMessage: its id, and (user id, sequence number) per
    recipient. Where the sender's cid was logged before, nothing new was: `first` is the
    message logged then, `mid` its id, and `deliveries` its deliveries to this one's
    recipients that are still in the log (not yet acknowledged)."""

    mid: int
    deliveries: tuple[tuple[int, int], ...] = ()
    first: StoredMessage | None = None

    @property
    def duplicate(self) -> bool:
        """The sender's cid was logged before."""
        return self.first is not None


@dataclass(frozen=True, slots=True)
class Pending:
    """Deliveries waiting for a user as (seq, message), oldest first; `after` is the
    sequence number they follow."""

    after: int
    deliveries: list[tuple[int, StoredMessage]]


REQUESTED = "requested"
FRIENDS = "friends"


@dataclass(frozen=True, slots=True)
class FriendRequest:
    """A friend request as listed to one side: the other user, and when it was made
    (epoch milliseconds)."""

    id: int
    name: str
    created_ms: int


@dataclass(frozen=True, slots=True)
class RequestOutcome:
    """What asking `user` to be a friend did: `state` REQUESTED (the request waits for
    them) or FRIENDS (they had asked first, so this accepted theirs); `new` is false for a
    request that was waiting already, which changed nothing."""

    state: str
    user: Contact
    new: bool = True


@dataclass(frozen=True, slots=True)
class RequestCounts:
    """How many friend requests wait for a user (`incoming`) and for others' answers
    (`outgoing`)."""

    incoming: int
    outgoing: int
