"""Config: every setting and limit of chatapp-server, with its default and description.

CoreConfig (config_core.py) holds where and how to serve and the limits of the chat
itself; Config adds the limits of the social model, and the drain before a shutdown,
listed after them in `--help` and in the Limits table.
"""

from __future__ import annotations

from dataclasses import dataclass

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

    # --- finding people, conversations, read markers, typing -------------------------

    users_page: int = setting(
        20,
        help="users in a reply to USERS by name prefix, and the largest `limit` it may name",
        limit=Limit("users in a reply to USERS by name prefix", "{count}"),
    )
    min_prefix_chars: int = setting(
        2,
        help="shortest name prefix USERS searches by; a shorter one is refused with errno 13",
        limit=Limit("shortest name prefix of USERS", "{characters}"),
    )
    search_rate: float = setting(
        1.0,
        help="USERS searches by prefix per second per connection, on average (a look-up by "
        "exact name or id counts a quarter); more are refused with errno 14",
        limit=Limit("USERS searches by prefix per second per connection", "{count}"),
    )
    search_burst: float = setting(
        5.0,
        help="USERS searches by prefix a connection may make at once above --search-rate",
        limit=Limit("USERS searches by prefix per connection at once", "{count}"),
    )
    conversations_page: int = setting(
        50,
        help="conversations in a reply to CONVERSATIONS, and the largest `limit` it may name",
        limit=Limit("conversations in a reply to CONVERSATIONS", "{count}"),
    )
    unread_cap: int = setting(
        99,
        help="unread messages counted per conversation in CONVERSATIONS; more read as this",
        limit=Limit("unread messages counted per conversation (more read as this)", "{count}"),
    )
    preview_bytes: int = setting(
        512,
        help="bytes (UTF-8) of a conversation's last message text in CONVERSATIONS; a "
        "longer one is cut, and marked `cut`",
        limit=Limit("text of a conversation's last message in CONVERSATIONS", "{bytes}"),
    )
    typing_rate: float = setting(
        0.5,
        help="TYPING notices per second per connection, on average; more are refused with "
        "errno 14 and not sent",
        limit=Limit("TYPING notices per second per connection", "{count}"),
    )
    typing_burst: float = setting(
        3.0,
        help="TYPING notices a connection may send at once above --typing-rate",
        limit=Limit("TYPING notices per connection at once", "{count}"),
    )

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

    # --- several devices of one account --------------------------------------------------

    max_devices: int = setting(
        10,
        help="devices (sessions it can resume) one account keeps; a login by password on "
        "one more ends the device seen least recently",
        limit=Limit(
            "devices of one account; one more ends the device seen least recently", "{count}"
        ),
    )
    max_device_tokens: int = setting(
        4,
        help="resume tokens one device holds at once; a new one replaces the oldest",
        limit=Limit("resume tokens of one device", "{count}"),
    )
    device_retention: float = setting(
        30 * 24 * 3600.0,
        help="seconds the log keeps deliveries that a device which has not been seen "
        "acknowledged: a device away longer gets what is left, and history, when it returns",
        limit=Limit(
            "how long deliveries wait for a device that is away (then: history)", "{seconds}"
        ),
    )
    max_device_name_chars: int = setting(
        64,
        help="characters of a device's name (LOGIN `device`); a longer one is refused",
        limit=Limit("characters of a device's name", "{characters}"),
    )

    # --- operating ---------------------------------------------------------------------

    workers: int = setting(
        1,
        help="processes serving the one port (SO_REUSEPORT), each a whole instance, so that "
        "a machine's cores are used; more than 1 needs --bus redis:// and --storage "
        "mysql://, and a fixed --port; --metrics PORT becomes PORT+n for worker n",
    )

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
