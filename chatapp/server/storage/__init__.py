"""Storage backends, chosen by the scheme of a URL."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from .base import (
    Accounts,
    AlreadyExists,
    Devices,
    GroupFull,
    InviteOnly,
    Lifecycle,
    LimitReached,
    MessageLog,
    NameTaken,
    NoSuchGroup,
    NoSuchInvitation,
    NoSuchRequest,
    NoSuchUser,
    NotAMember,
    NotFriends,
    Social,
    Storage,
    StorageError,
    StorageUnavailable,
    Tokens,
    TokenSpent,
    TooManyRequests,
)
from .base_admin import Admin, GroupReport, GroupRole, Stats, UserReport, tombstone_name
from .base_social import Blocks, Friendships, GroupRoles, People
from .block_rows import Held, MessageRequest, Ties
from .device_rows import Device, DeviceAck, Opened
from .group_rows import (
    ADMIN,
    ALL,
    JOINED,
    Departure,
    GroupEdit,
    GroupProfile,
    Invitation,
    Membership,
)
from .people_rows import ConversationRow
from .rows import (
    CREATOR,
    FIRST,
    FRIENDS,
    NORMAL,
    REQUESTED,
    Contact,
    Conversation,
    FriendRequest,
    Group,
    Kind,
    Logged,
    Member,
    NewMessage,
    Pending,
    RequestCounts,
    RequestOutcome,
    Settings,
    StoredMessage,
    User,
)


def _sqlite(url: str, existing: bool) -> Storage:
    from .sqlite import SQLiteStorage

    storage = SQLiteStorage.from_url(url)
    storage.existing = existing
    return storage


def _mysql(url: str, existing: bool) -> Storage:
    from .mysql import MySQLStorage

    storage = MySQLStorage.from_url(url)
    storage.existing = existing
    return storage


BACKENDS: dict[str, Callable[[str, bool], Storage]] = {"sqlite": _sqlite, "mysql": _mysql}


def open_storage(url: str, *, existing: bool = False) -> Storage:
    """The backend for `url` (sqlite:///path or mysql://user:pw@host:port/db), not yet
    opened. An `existing` one (chatapp-admin's) opens only a database at the current
    schema: it never creates nor upgrades one."""
    scheme = urlsplit(url).scheme
    factory = BACKENDS.get(scheme)
    if factory is None:
        raise ValueError(f"unknown storage URL scheme {scheme!r}; use one of {sorted(BACKENDS)}")
    return factory(url, existing)


__all__ = [
    "ADMIN",
    "ALL",
    "BACKENDS",
    "CREATOR",
    "FIRST",
    "FRIENDS",
    "JOINED",
    "NORMAL",
    "REQUESTED",
    "Accounts",
    "Admin",
    "AlreadyExists",
    "Blocks",
    "Contact",
    "Conversation",
    "ConversationRow",
    "Departure",
    "Device",
    "DeviceAck",
    "Devices",
    "FriendRequest",
    "Friendships",
    "Group",
    "GroupEdit",
    "GroupFull",
    "GroupProfile",
    "GroupReport",
    "GroupRole",
    "GroupRoles",
    "Held",
    "Invitation",
    "InviteOnly",
    "Kind",
    "Lifecycle",
    "LimitReached",
    "Logged",
    "Member",
    "Membership",
    "MessageLog",
    "MessageRequest",
    "NameTaken",
    "NewMessage",
    "NoSuchGroup",
    "NoSuchInvitation",
    "NoSuchRequest",
    "NoSuchUser",
    "NotAMember",
    "NotFriends",
    "Opened",
    "Pending",
    "People",
    "RequestCounts",
    "RequestOutcome",
    "Settings",
    "Social",
    "Stats",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "StoredMessage",
    "Ties",
    "TokenSpent",
    "Tokens",
    "TooManyRequests",
    "User",
    "UserReport",
    "open_storage",
    "tombstone_name",
]
