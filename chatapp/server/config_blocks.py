"""BlockSettings: the limits of blocking and message requests, a part of Config."""

from __future__ import annotations

from dataclasses import dataclass

from .settings import Limit, setting


@dataclass(frozen=True, slots=True)
class BlockSettings:
    """Config's settings of blocking and message requests (Config inherits them, so each is
    an option and an environment variable like the rest, and a row of the Limits table)."""

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
