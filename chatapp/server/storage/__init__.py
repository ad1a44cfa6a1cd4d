"""Storage backends, chosen by the scheme of a URL."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from .base import (
    Accounts,
    AlreadyExists,
    Blocks,
    Lifecycle,
    LimitReached,
    MessageLog,
    NameTaken,
    NoSuchGroup,
    NoSuchUser,
    Social,
    Storage,
    StorageError,
    StorageUnavailable,
    Tokens,
)
from .block_rows import Held, MessageRequest, Ties
from .rows import (
    CREATOR,
    FIRST,
    NORMAL,
    Contact,
    Conversation,
    Group,
    Kind,
    Logged,
    Member,
    NewMessage,
    Pending,
    Settings,
    StoredMessage,
    User,
)


def _sqlite(url: str) -> Storage:
    from .sqlite import SQLiteStorage

    return SQLiteStorage.from_url(url)


def _mysql(url: str) -> Storage:
    from .mysql import MySQLStorage

    return MySQLStorage.from_url(url)


BACKENDS: dict[str, Callable[[str], Storage]] = {"sqlite": _sqlite, "mysql": _mysql}


def open_storage(url: str) -> Storage:
    """The backend for `url` (sqlite:///path or mysql://user:pw@host:port/db), not yet opened."""
    scheme = urlsplit(url).scheme
    factory = BACKENDS.get(scheme)
    if factory is None:
        raise ValueError(f"unknown storage URL scheme {scheme!r}; use one of {sorted(BACKENDS)}")
    return factory(url)


__all__ = [
    "BACKENDS",
    "CREATOR",
    "FIRST",
    "NORMAL",
    "Accounts",
    "AlreadyExists",
    "Blocks",
    "Contact",
    "Conversation",
    "Group",
    "Held",
    "Kind",
    "Lifecycle",
    "LimitReached",
    "Logged",
    "Member",
    "MessageLog",
    "MessageRequest",
    "NameTaken",
    "NewMessage",
    "NoSuchGroup",
    "NoSuchUser",
    "Pending",
    "Settings",
    "Social",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "StoredMessage",
    "Ties",
    "Tokens",
    "User",
    "open_storage",
]
