"""Finding people, conversations and read markers in SQLiteStorage (migration 009).

Plain functions of a connection, each run by SQLiteStorage on the event loop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from .base import NoSuchUser
from .log_rows import conversation_key
from .people_rows import (
    ADVANCE_HEAD,
    BY_PREFIX,
    HEAD_QUERIES,
    LAST,
    MARKER,
    MESSAGE,
    READERS,
    SET_FOLD,
    UNFOLDED,
    UNREAD,
    ConversationRow,
    assemble,
    heads_of_batch,
    markers_of,
    message_of,
    name_fold,
    newest,
    page_reads,
    prefix_range,
    unread_params,
)
from .rows import Contact, Conversation, StoredMessage
from .sqlite_db import refused, transaction

_ADVANCE = f"{ADVANCE_HEAD} ON CONFLICT (kind, chan_lo, chan_hi) DO UPDATE"
_ADVANCE += " SET last_mid = max(last_mid, excluded.last_mid)"
_MARK = (
    "INSERT INTO read_markers (user_id, kind, chan_lo, chan_hi, mid) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (user_id, kind, chan_lo, chan_hi) DO UPDATE SET mid = max(mid, excluded.mid)"
)


def fold_names(db: sqlite3.Connection) -> int:
    """Gives every user without one the key a prefix search compares; returns how many."""
    done = 0
    while rows := db.execute(UNFOLDED).fetchall():
        with transaction(db):
            db.executemany(SET_FOLD, [(name_fold(name), uid) for uid, name in rows])
        done += len(rows)
    return done


def users_by_prefix(db: sqlite3.Connection, prefix: str, limit: int) -> list[Contact]:
    """Storage.users_by_prefix."""
    rows = db.execute(BY_PREFIX, (*prefix_range(prefix), limit))
    return [Contact(uid, name) for uid, name in rows]


def advance_heads(db: sqlite3.Connection, messages: Sequence[Sequence[object]]) -> None:
    """Moves the heads of the conversations of a batch's `messages` rows (log_rows'
    message_row) to their last messages; inside the batch's transaction."""
    db.executemany(_ADVANCE, heads_of_batch(messages))


def conversations(
    db: sqlite3.Connection, user_id: int, before: int | None, limit: int, cap: int
) -> list[ConversationRow]:
    """Storage.conversations."""
    below = LAST if before is None else before
    parts = [db.execute(sql, (user_id, below, limit)).fetchall() for sql in HEAD_QUERIES]
    heads = newest(parts, limit)
    if not heads:
        return []
    reads = [db.execute(sql, params).fetchall() for sql, params in page_reads(heads, user_id)]
    markers = markers_of(reads)
    unread = [
        db.execute(
            UNREAD, unread_params(c, user_id, markers.get(conversation_key(c), 0), cap)
        ).fetchone()[0]
        for c, _ in heads
    ]
    return assemble(heads, user_id, reads, unread)


def message_by_id(db: sqlite3.Connection, mid: int) -> StoredMessage | None:
    """Storage.message_by_id."""
    return message_of(db.execute(MESSAGE, (mid,)).fetchone())


def mark_read(db: sqlite3.Connection, user_id: int, conversation: Conversation, mid: int) -> int:
    """Storage.mark_read."""
    key = conversation_key(conversation)
    with transaction(db):
        row = db.execute(MARKER, (user_id, *key)).fetchone()
        try:
            db.execute(_MARK, (user_id, *key, mid))
        except sqlite3.IntegrityError as exc:
            raise refused(exc, NoSuchUser(user_id)) from None
    return int(row[0]) if row else 0


def readers(db: sqlite3.Connection, conversation: Conversation, mid: int, excluding: int) -> int:
    """Storage.readers."""
    return int(db.execute(READERS, (*conversation_key(conversation), mid, excluding)).fetchone()[0])
