"""The settings of finding people, conversations, read markers and typing: Config's fields
(`users_page: int = people.USERS_PAGE`), each declared here with its help and Limits row,
so that config.py names them in its order without passing 300 lines."""

from __future__ import annotations

from .settings import Limit, setting

USERS_PAGE: int = setting(
    20,
    help="users in a reply to USERS by name prefix, and the largest `limit` it may name",
    limit=Limit("users in a reply to USERS by name prefix", "{count}"),
)
MIN_PREFIX_CHARS: int = setting(
    2,
    help="shortest name prefix USERS searches by; a shorter one is refused with errno 13",
    limit=Limit("shortest name prefix of USERS", "{characters}"),
)
SEARCH_RATE: float = setting(
    1.0,
    help="USERS searches by prefix per second per connection, on average (a look-up by "
    "exact name or id counts a quarter); more are refused with errno 14",
    limit=Limit("USERS searches by prefix per second per connection", "{count}"),
)
SEARCH_BURST: float = setting(
    5.0,
    help="USERS searches by prefix a connection may make at once above --search-rate",
    limit=Limit("USERS searches by prefix per connection at once", "{count}"),
)
CONVERSATIONS_PAGE: int = setting(
    50,
    help="conversations in a reply to CONVERSATIONS, and the largest `limit` it may name",
    limit=Limit("conversations in a reply to CONVERSATIONS", "{count}"),
)
UNREAD_CAP: int = setting(
    99,
    help="unread messages counted per conversation in CONVERSATIONS; more read as this",
    limit=Limit("unread messages counted per conversation (more read as this)", "{count}"),
)
PREVIEW_BYTES: int = setting(
    512,
    help="bytes (UTF-8) of a conversation's last message text in CONVERSATIONS; a "
    "longer one is cut, and marked `cut`",
    limit=Limit("text of a conversation's last message in CONVERSATIONS", "{bytes}"),
)
TYPING_RATE: float = setting(
    0.5,
    help="TYPING notices per second per connection, on average; more are refused with "
    "errno 14 and not sent",
    limit=Limit("TYPING notices per second per connection", "{count}"),
)
TYPING_BURST: float = setting(
    3.0,
    help="TYPING notices a connection may send at once above --typing-rate",
    limit=Limit("TYPING notices per connection at once", "{count}"),
)
