"""The message log of SQLiteStorage: messages, and each user's numbered deliveries of them.

Plain functions of a connection, each run by SQLiteStorage on the event loop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from .base import NoSuchUser, StorageUnavailable
from .device_rows import DeviceAck
from .log_rows import (
    MESSAGE_COLUMNS,
    Firsts,
    conversation_key,
    insert_message,
    number_batch,
    stored_message,
)
from .rows import Conversation, Logged, NewMessage, Pending, StoredMessage
from .sqlite_db import refused, transaction
from .sqlite_devices import acknowledge
from .sqlite_people import advance_heads

_INSERT_MESSAGE = insert_message("?")
# A row whose cid is taken is skipped (or one that breaks any other constraint: the
# batch is then written again with _INSERT_MESSAGE, which says which).
_INSERT_NEW_MESSAGE = _INSERT_MESSAGE.replace("INSERT INTO", "INSERT OR IGNORE INTO", 1)
_INSERT_DELIVERY = "INSERT INTO deliveries (user_id, seq, message_id) VALUES (?, ?, ?)"
_SET_LAST_SEQ = "UPDATE users SET last_seq = ? WHERE id = ?"
# Matches the partial index messages_by_cid (cid IS NOT NULL), which legacy chats skip.
_FIND_CID = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE sender_id = ? AND cid = ?"
# Deliveries have no index by message (it would cost every chat): a user's, newest first,
# which finds a retry's first attempt soon; what was acknowledged is gone already.
_FIND_DELIVERY = (
    "SELECT seq FROM deliveries WHERE user_id = ? AND message_id = ? ORDER BY seq DESC LIMIT 1"
)
_COLUMNS = ", ".join(f"m.{c.strip()}" for c in MESSAGE_COLUMNS.split(","))


def log_messages(
    db: sqlite3.Connection,
    batch: Sequence[NewMessage],
    acks: Sequence[DeviceAck],
    seen_ms: int,
    stale_ms: int,
    *,
    checked: bool = True,
) -> list[Logged]:
    """Storage.log_messages, in a write transaction of its own.

    A statement per batch for each table, not per message: what a message costs is its
    rows, and the work of the commit is shared by the batch. On a connection that does not
    check foreign keys (not `checked`: sqlite_db.connect_log), the log checks its own:
    every sender and recipient is read in the batch's first query (users are never
    deleted), and a delivery names a message of the same transaction, or the first
    attempt of a retry, found in it.

    A batch is first written as if no cid of it had been logged before (a retry after a
    lost ACK is rare), which costs no query per message: the messages' INSERT ignores a
    row whose cid is taken, and if any was, the transaction is rolled back and written
    again, looking every cid up.
    """
    try:
        return _log_messages(db, batch, acks, seen_ms, stale_ms, checked=checked, guess=True)
    except _Again:
        return _log_messages(db, batch, acks, seen_ms, stale_ms, checked=checked, guess=False)


class _Again(Exception):
    """A cid of the batch was logged before: the batch is written again, looking it up."""


def _log_messages(
    db: sqlite3.Connection,
    batch: Sequence[NewMessage],
    acks: Sequence[DeviceAck],
    seen_ms: int,
    stale_ms: int,
    *,
    checked: bool,
    guess: bool,
) -> list[Logged]:
    with transaction(db):
        try:
            logged = _log(db, batch, checked=checked, guess=guess)
            if acks:
                acknowledge(db, acks, seen_ms, stale_ms)
            return logged
        except sqlite3.IntegrityError as exc:
            raise refused(exc, StorageUnavailable(f"sqlite: {exc}")) from None


def log_in_transaction(db: sqlite3.Connection, batch: Sequence[NewMessage]) -> list[Logged]:
    """log_messages for a caller that holds the write transaction (accepting a message
    request moves its held messages to the log this way), without acknowledgements."""
    try:
        return _log(db, batch)
    except sqlite3.IntegrityError as exc:
        raise refused(exc, StorageUnavailable(f"sqlite: {exc}")) from None


def _log(
    db: sqlite3.Connection,
    batch: Sequence[NewMessage],
    *,
    checked: bool = True,
    guess: bool = False,
) -> list[Logged]:
    recipients = sorted({uid for new in batch for uid in new.recipients})
    if checked:
        last = _last_seqs(db, recipients)
    else:  # the senders too: nothing else checks that they exist
        last = _last_seqs(db, sorted({new.message.sender_id for new in batch}.union(recipients)))
    # Guessed (log_messages): that no cid of the batch was logged before. Only where there
    # is a cid to look up: OR IGNORE makes SQLite check the constraints ahead of the insert.
    if guess and any(new.cid is not None for new in batch):
        numbered = number_batch(batch, last, {})
        changed = db.total_changes
        db.executemany(_INSERT_NEW_MESSAGE, numbered.messages)
        if db.total_changes - changed != len(numbered.messages):
            raise _Again
    else:
        numbered = number_batch(batch, last, _logged_before(db, batch))
        db.executemany(_INSERT_MESSAGE, numbered.messages)
    advance_heads(db, numbered.messages)
    db.executemany(_INSERT_DELIVERY, numbered.deliveries)
    db.executemany(_SET_LAST_SEQ, [(numbered.last[uid], uid) for uid in recipients])
    return numbered.logged


def _logged_before(db: sqlite3.Connection, batch: Sequence[NewMessage]) -> Firsts:
    """The message already logged under each (sender, cid) of the batch, and its deliveries
    to the recipients of the batch's messages with that cid."""
    firsts: dict[tuple[int, str], StoredMessage] = {}
    for new in batch:
        if new.cid is not None:
            key = (new.message.sender_id, new.cid)
            row = db.execute(_FIND_CID, key).fetchone()
            if row:
                firsts[key] = stored_message(row)
    if not firsts:  # as good as always
        return {}
    seqs: dict[tuple[int, str], dict[int, int]] = {key: {} for key in firsts}
    for new in batch:
        key = (new.message.sender_id, new.cid or "")
        for uid in new.recipients if key in firsts else ():
            if delivery := db.execute(_FIND_DELIVERY, (uid, firsts[key].mid)).fetchone():
                seqs[key][uid] = delivery[0]
    return {key: (first, seqs[key]) for key, first in firsts.items()}


def _last_seqs(db: sqlite3.Connection, user_ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for start in range(0, len(user_ids), 500):  # SQLite's limit on bound parameters
        chunk = user_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(db.execute(f"SELECT id, last_seq FROM users WHERE id IN ({marks})", chunk))
    missing = [uid for uid in user_ids if uid not in found]
    if missing:
        raise NoSuchUser(missing)
    return found


def pending(db: sqlite3.Connection, user_id: int, after: int | None, limit: int) -> Pending:
    """Storage.pending."""
    if after is None:
        row = db.execute("SELECT acked_seq FROM users WHERE id = ?", (user_id,)).fetchone()
        after = row[0] if row else 0
    rows = db.execute(
        f"SELECT d.seq, {_COLUMNS} FROM deliveries d JOIN messages m ON m.id = d.message_id"
        " WHERE d.user_id = ? AND d.seq > ? ORDER BY d.seq LIMIT ?",
        (user_id, after, limit),
    )
    return Pending(after, [(row[0], stored_message(row[1:])) for row in rows])


def history(
    db: sqlite3.Connection, conversation: Conversation, before: int | None, limit: int
) -> list[StoredMessage]:
    """Storage.history."""
    below = "" if before is None else " AND id < ?"
    rows = db.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE kind = ? AND chan_lo = ? AND chan_hi = ?"
        f"{below} ORDER BY id DESC LIMIT ?",
        (*conversation_key(conversation), *([] if before is None else [before]), limit),
    )
    return [stored_message(row) for row in rows]


def last_seq(db: sqlite3.Connection, user_id: int) -> int:
    """Storage.last_seq."""
    row = db.execute("SELECT last_seq FROM users WHERE id = ?", (user_id,)).fetchone()
    return int(row[0]) if row else 0
