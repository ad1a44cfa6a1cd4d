"""What both backends share of finding people, conversations and read markers (migration
009): the rows, the name key a prefix search compares, and the queries, written with `?`."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .log_rows import MESSAGE_COLUMNS, conversation_key, stored_message
from .rows import Conversation, Kind, StoredMessage

LAST = (1 << 63) - 1
"""Above every message id: where a page of conversations starts when `before` is None."""
_BEYOND = "\U0010ffff"  # above every character a name key can continue a prefix with
_DIRECT, _GROUP = int(Kind.DIRECT), int(Kind.GROUP)


@dataclass(frozen=True, slots=True)
class ConversationRow:
    """A user's conversation: the other side (`other_id` and `other_name`: the peer, or the
    group), its last message, the user's read marker (0: none) and how many messages of
    others follow the marker, counted up to a cap."""

    conversation: Conversation
    other_id: int
    other_name: str
    last: StoredMessage
    read: int
    unread: int


def name_fold(name: str) -> str:
    """The key a search by name prefix compares: case-folded, in NFC."""
    return unicodedata.normalize("NFC", name.casefold())


def prefix_range(prefix: str) -> tuple[str, str]:
    """The keys from and below which the names starting with `prefix` lie."""
    key = name_fold(prefix)
    return key, key + _BEYOND


NAME_FOLDS = 9
"""The schema version from which users have name keys (migration 009)."""
UNFOLDED = "SELECT id, name FROM users WHERE name_fold IS NULL ORDER BY id LIMIT 1000"
SET_FOLD = "UPDATE users SET name_fold = ? WHERE id = ?"

BY_PREFIX = (
    "SELECT u.id, u.name FROM users u LEFT JOIN user_settings s ON s.user_id = u.id"
    " WHERE u.name_fold >= ? AND u.name_fold < ? AND COALESCE(s.findable, 1) <> 0"
    " ORDER BY u.name_fold, u.id LIMIT ?"
)

ADVANCE_HEAD = (
    "INSERT INTO conversation_heads (kind, chan_lo, chan_hi, last_mid) VALUES (?, ?, ?, ?)"
)
"""Followed by each backend's upsert clause that keeps the greater last_mid."""

_HEADS = "SELECT h.kind, h.chan_lo, h.chan_hi, h.last_mid FROM conversation_heads h"
HEAD_QUERIES = (
    f"{_HEADS} WHERE h.kind = {_DIRECT} AND h.chan_lo = ? AND h.last_mid < ?"
    " ORDER BY h.last_mid DESC LIMIT ?",
    f"{_HEADS} WHERE h.kind = {_DIRECT} AND h.chan_hi = ? AND h.last_mid < ?"
    " AND h.chan_lo <> h.chan_hi ORDER BY h.last_mid DESC LIMIT ?",
    f"{_HEADS} JOIN group_members g ON h.kind = {_GROUP} AND h.chan_lo = g.group_id"
    " AND h.chan_hi = 0 JOIN chat_groups c ON c.id = g.group_id WHERE g.user_id = ?"
    " AND h.last_mid < ? AND (c.history = 'all' OR h.last_mid > g.joined_mid)"
    " ORDER BY h.last_mid DESC LIMIT ?",
)
"""A user's newest conversations below a message id, in three parts, each (user id,
before, limit): one-to-one with the user as the lower id, as the higher, and their groups
(but a group whose history is `joined` where nothing was said since the user joined: its
last message is not theirs to read)."""

MARKER = (
    "SELECT mid FROM read_markers WHERE user_id = ? AND kind = ? AND chan_lo = ? AND chan_hi = ?"
)
UNREAD = (
    "SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE kind = ? AND chan_lo = ?"
    " AND chan_hi = ? AND id > ? AND sender_id <> ? ORDER BY id LIMIT ?) unread"
)
MESSAGE = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?"

READERS = (
    "SELECT COUNT(*) FROM read_markers r JOIN group_members g ON g.group_id = r.chan_lo"
    " AND g.user_id = r.user_id LEFT JOIN user_settings s ON s.user_id = r.user_id"
    " WHERE r.kind = ? AND r.chan_lo = ? AND r.chan_hi = ? AND r.mid >= ? AND r.user_id <> ?"
    " AND COALESCE(s.receipts, 1) <> 0"
)
"""The members of a group whose marker reached a message, but its sender, and those who
keep their reading to themselves."""


def marks(sql: str, mark: str) -> str:
    """`sql` with the driver's parameter mark for `?`."""
    return sql.replace("?", mark)


def in_list(sql: str, count: int) -> str:
    """`sql` ending in `IN` with a list of `count` marks."""
    return f"{sql} ({', '.join('?' * count)})"


def heads_of_batch(messages: Iterable[Sequence[Any]]) -> list[tuple[int, int, int, int]]:
    """The heads a batch of `messages` rows (log_rows.message_row) moves: (kind, low, high,
    last mid) per conversation, in key order, which is the order rows are locked in."""
    heads: dict[tuple[int, int, int], int] = {}
    for row in messages:
        key = (row[1], row[5], row[6])
        heads[key] = max(heads.get(key, row[0]), row[0])
    return [(*key, mid) for key, mid in sorted(heads.items())]


Head = tuple[Conversation, int]
"""A conversation and the id of its last message."""


def newest(parts: Iterable[Sequence[Any]], limit: int) -> list[Head]:
    """The `limit` conversations with the newest last messages of the three head queries."""
    rows = sorted((row for part in parts for row in part), key=lambda row: -row[3])
    return [(Conversation(Kind(row[0]), row[1], row[2]), row[3]) for row in rows[:limit]]


def other_side(conversation: Conversation, user_id: int) -> int:
    """The peer of a one-to-one conversation, or the group."""
    if conversation.kind is Kind.GROUP:
        return conversation.low
    return conversation.high if conversation.low == user_id else conversation.low


def message_of(row: Sequence[Any] | None) -> StoredMessage | None:
    return None if row is None else stored_message(row)


def page_reads(heads: Sequence[Head], user_id: int) -> list[tuple[str, list[Any]]]:
    """The queries (with their parameters) that read what a page of conversations shows
    but the unread counts: their last messages, the names of peers and groups, the user's
    read markers. Run in order; `assemble` takes their rows."""
    conversations = [c for c, _ in heads]
    keys = [conversation_key(c) for c in conversations]
    peers = sorted({other_side(c, user_id) for c in conversations if c.kind is Kind.DIRECT})
    groups = sorted({c.low for c in conversations if c.kind is Kind.GROUP})
    either = " OR ".join(["(kind = ? AND chan_lo = ? AND chan_hi = ?)"] * len(keys))
    return [
        (
            in_list(f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id IN", len(heads)),
            [m for _, m in heads],
        ),
        (in_list("SELECT id, name FROM users WHERE id IN", len(peers) or 1), peers or [0]),
        (in_list("SELECT id, name FROM chat_groups WHERE id IN", len(groups) or 1), groups or [0]),
        (
            "SELECT kind, chan_lo, chan_hi, mid FROM read_markers"
            f" WHERE user_id = ? AND ({either})",
            [user_id, *(v for key in keys for v in key)],
        ),
        (
            in_list(
                "SELECT g.group_id, g.joined_mid FROM group_members g JOIN chat_groups c"
                " ON c.id = g.group_id WHERE c.history = 'joined' AND g.user_id = ?"
                " AND g.group_id IN",
                len(groups) or 1,
            ),
            [user_id, *(groups or [0])],
        ),
    ]


def markers_of(reads: Sequence[Iterable[Sequence[Any]]]) -> dict[tuple[int, int, int], int]:
    """The read markers of a page, by conversation key, from the last two of `page_reads`'
    queries: in a group whose history is `joined`, what came before the user joined counts
    as read (it is not theirs to read)."""
    markers = {(k, lo, hi): mid for k, lo, hi, mid in reads[3]}
    for group_id, joined in reads[4]:
        key = (_GROUP, group_id, 0)
        markers[key] = max(markers.get(key, 0), joined)
    return markers


def assemble(
    heads: Sequence[Head],
    user_id: int,
    reads: Sequence[Sequence[Sequence[Any]]],
    unread: Sequence[int],
) -> list[ConversationRow]:
    """The rows of a page, from the rows of `page_reads`' queries and the unread counts."""
    messages = {m.mid: m for m in map(stored_message, reads[0])}
    names = {(_DIRECT, i): n for i, n in reads[1]} | {(_GROUP, i): n for i, n in reads[2]}
    markers = markers_of(reads)
    rows = []
    for (conversation, mid), count in zip(heads, unread, strict=True):
        other = other_side(conversation, user_id)
        rows.append(
            ConversationRow(
                conversation,
                other,
                names.get((int(conversation.kind), other), ""),
                messages[mid],
                markers.get(conversation_key(conversation), 0),
                count,
            )
        )
    return rows


def unread_params(conversation: Conversation, user_id: int, read: int, cap: int) -> tuple[int, ...]:
    """The parameters of UNREAD for a conversation whose marker is `read`."""
    return (*conversation_key(conversation), read, user_id, cap)
