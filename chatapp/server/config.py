"""Config: every setting and limit of chatapp-server, with its default and description.

CoreConfig (config_core.py) holds where and how to serve and the limits of the chat
itself; Config adds the limits of the social model, and the drain before a shutdown,
listed after them in `--help` and in the Limits table.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import config_people as people
from .config_core import CoreConfig, default_storage_url
from .settings import Limit, setting

__all__ = ["Config", "default_storage_url"]


@dataclass(frozen=True, slots=True)
class Config(CoreConfig):
    """The settings of one server instance; fields as CoreConfig's."""

    # --- the social model: friend requests, groups ----------------------------------------

    max_friend_requests: int = setting(
        100,
        help="friend requests of one user that may wait for answers at once; more are "
        "refused with errno 60 (requests to a user are not bounded: they are paged)",
        limit=Limit("friend requests of one user waiting for answers (errno 60)", "{count}"),
    )
    max_group_members: int = setting(
        10_000,
        help="most members of a group; joins past it are refused with errno 26 (0: no limit)",
        limit=Limit(
            "members of a group; joins past it are refused with errno 26", "{count} (0: none)"
        ),
    )
    max_group_invites: int = setting(
        100,
        help="pending invitations into one group; more are refused with errno 66",
        limit=Limit(
            "pending invitations into one group; more are refused with errno 66", "{count}"
        ),
    )

    # --- finding people, conversations, read markers, typing (config_people) ----------

    users_page: int = people.USERS_PAGE
    min_prefix_chars: int = people.MIN_PREFIX_CHARS
    search_rate: float = people.SEARCH_RATE
    search_burst: float = people.SEARCH_BURST
    conversations_page: int = people.CONVERSATIONS_PAGE
    unread_cap: int = people.UNREAD_CAP
    preview_bytes: int = people.PREVIEW_BYTES
    typing_rate: float = people.TYPING_RATE
    typing_burst: float = people.TYPING_BURST

    # --- blocking and message requests --------------------------------------------------

    max_blocks: int = setting(
        1_000,
        help="users one user may block; blocking one more is refused with errno 13",
        limit=Limit("users one user may block; one more is refused with errno 13", "{count}"),
    )
    held_per_sender: int = setting(
        20,
        help="messages of one stranger held for one user's answer (a message request); "
        "more are refused with errno 28",
        limit=Limit(
            "messages of one stranger held until the recipient answers; more are refused "
            "with errno 28",
            "{count}",
        ),
    )
    held_per_user: int = setting(
        1_000,
        help="messages held for one user from all strangers together; more are refused "
        "with errno 19",
        limit=Limit(
            "messages held for one user from all strangers; more are refused with errno 19",
            "{count}",
        ),
    )
    request_preview: int = setting(
        3,
        help="held messages shown of each sender in a MESSAGE_REQUESTS page",
        limit=Limit("held messages shown of each sender in a MESSAGE_REQUESTS page", "{count}"),
    )
    request_preview_chars: int = setting(
        200,
        help="characters of each held message shown in a MESSAGE_REQUESTS page or notice",
        limit=Limit(
            "characters of a held message shown in a MESSAGE_REQUESTS page or notice",
            "{characters}",
        ),
    )
    ties_cached: int = setting(
        100_000,
        help="users whose blocks, strangers setting and accepted senders are kept in "
        "memory, so that a chat to them costs no query",
    )

    # --- operating ---------------------------------------------------------------------

    drain_timeout: float = setting(
        10.0,
        help="seconds a SIGTERM or SIGINT waits, before the shutdown, for the current "
        "clients told to move to another instance (DRAIN) to leave; a second signal ends "
        "the wait (0: no drain)",
        limit=Limit(
            "time a stopping instance waits for current clients to move (DRAIN)", "{seconds}"
        ),
    )
    ended_poll: float = setting(
        2.0,
        help="seconds between looks at the storage for users whose sessions an operator "
        "ended (chatapp-admin users disable, end-sessions, delete): their live connections "
        "here are closed (0: never look)",
    )
