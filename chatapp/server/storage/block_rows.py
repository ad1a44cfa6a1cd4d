"""The rows of blocking and message requests: a user's ties, held messages, and requests."""

from __future__ import annotations

from dataclasses import dataclass

from .rows import Contact, StoredMessage


@dataclass(frozen=True, slots=True)
class Ties:
    """What decides whether a chat from another user reaches this one: their `strangers`
    setting (`everyone`, `requests`, `nobody`), the users they block, and the strangers
    whose message request they accepted."""

    strangers: str = "everyone"
    blocked: frozenset[int] = frozenset()
    accepted: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Held:
    """A message kept apart as a message request: its id (the first attempt's, for a retry
    of a cid held before), how many of its sender's wait for the recipient now, and whether
    it is new (False: a retry). `accepted`: nothing was held, for the recipient had
    accepted the sender already (a server's cached ties were behind)."""

    mid: int
    count: int
    fresh: bool = True
    accepted: bool = False


@dataclass(frozen=True, slots=True)
class MessageRequest:
    """A stranger waiting for the recipient's answer: who, how many of their messages are
    held, and the first of them, oldest first."""

    sender: Contact
    count: int
    first: tuple[StoredMessage, ...]
