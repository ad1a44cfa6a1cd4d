"""Blocking and message requests in SQLiteStorage: the queries, and the methods that run them.

SQLiteStorage takes the methods from SQLiteBlocks; each runs one function of a connection
below on the event loop (a function that writes is one transaction, all or nothing).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from . import sqlite_log
from .base import LimitReached, NoSuchUser
from .block_rows import Held, MessageRequest, Ties
from .log_rows import stored_message
from .rows import FIRST, Contact, Kind, NewMessage, StoredMessage
from .sqlite_db import refused, transaction

T = TypeVar("T")

# Every held message is a one-to-one chat: read as the log's rows are.
_HELD_COLUMNS = (
    f"mid, {int(Kind.DIRECT)}, sender_id, sender_name, recipient_id, body, sent_time, ts"
)
_COUNT_HELD = "SELECT count(*) FROM held_messages WHERE recipient_id = ?"
_ACCEPTED = "SELECT 1 FROM accepted_senders WHERE user_id = ? AND sender_id = ?"


def block(db: sqlite3.Connection, user_id: int, blocked_id: int, most: int) -> bool:
    """Storage.block."""
    if not db.execute("SELECT 1 FROM users WHERE id = ?", (blocked_id,)).fetchone():
        raise NoSuchUser(blocked_id)
    with transaction(db):
        exists = db.execute(
            "SELECT 1 FROM blocks WHERE user_id = ? AND blocked_id = ?", (user_id, blocked_id)
        ).fetchone()
        if not exists:
            (count,) = db.execute(
                "SELECT count(*) FROM blocks WHERE user_id = ?", (user_id,)
            ).fetchone()
            if count >= most:
                raise LimitReached("blocks")
            try:
                db.execute("INSERT INTO blocks (user_id, blocked_id) VALUES (?, ?)",
                           (user_id, blocked_id))  # fmt: skip
            except sqlite3.IntegrityError as exc:
                raise refused(exc, NoSuchUser(user_id)) from None
        pair = (user_id, blocked_id, blocked_id, user_id)
        ended = db.execute(
            "DELETE FROM friends WHERE (user_id = ? AND friend_id = ?)"
            " OR (user_id = ? AND friend_id = ?)",
            pair,
        ).rowcount
        db.execute("DELETE FROM held_messages WHERE recipient_id = ? AND sender_id = ?",
                   (user_id, blocked_id))  # fmt: skip
        db.execute("DELETE FROM accepted_senders WHERE user_id = ? AND sender_id = ?",
                   (user_id, blocked_id))  # fmt: skip
        db.execute(
            "DELETE FROM friend_requests WHERE (requester_id = ? AND target_id = ?)"
            " OR (requester_id = ? AND target_id = ?)",
            pair,
        )
        db.execute("DELETE FROM group_invitations WHERE invitee_id = ? AND inviter_id = ?",
                   (user_id, blocked_id))  # fmt: skip
    return ended > 0


def unblock(db: sqlite3.Connection, user_id: int, blocked_id: int) -> bool:
    """Storage.unblock."""
    with transaction(db):
        cur = db.execute(
            "DELETE FROM blocks WHERE user_id = ? AND blocked_id = ?", (user_id, blocked_id)
        )
    return cur.rowcount > 0


def blocks(db: sqlite3.Connection, user_id: int, after: int | None, limit: int) -> list[Contact]:
    """Storage.blocks."""
    rows = db.execute(
        "SELECT u.id, u.name FROM blocks b JOIN users u ON u.id = b.blocked_id"
        " WHERE b.user_id = ? AND b.blocked_id > ? ORDER BY b.blocked_id LIMIT ?",
        (user_id, FIRST if after is None else after, limit),
    )
    return [Contact(*row) for row in rows]


def blocked_by_any(db: sqlite3.Connection, user_id: int, by_ids: Sequence[int]) -> set[int]:
    """Storage.blocked_by_any (and Storage.blocked, with one)."""
    found: set[int] = set()
    ids = sorted(set(by_ids))
    for start in range(0, len(ids), 500):  # SQLite's limit on bound parameters
        chunk = ids[start : start + 500]
        rows = db.execute(
            "SELECT user_id FROM blocks WHERE blocked_id = ?"
            f" AND user_id IN ({','.join('?' * len(chunk))})",
            (user_id, *chunk),
        )
        found.update(row[0] for row in rows)
    return found


def ties(db: sqlite3.Connection, user_id: int) -> Ties:
    """Storage.ties."""
    row = db.execute("SELECT strangers FROM user_settings WHERE user_id = ?", (user_id,))
    setting = row.fetchone()
    blocked = db.execute("SELECT blocked_id FROM blocks WHERE user_id = ?", (user_id,))
    accepted = db.execute("SELECT sender_id FROM accepted_senders WHERE user_id = ?", (user_id,))
    return Ties(
        setting[0] if setting else "everyone",
        frozenset(r[0] for r in blocked),
        frozenset(r[0] for r in accepted),
    )


def hold_message(
    db: sqlite3.Connection, new: NewMessage, per_sender: int, per_recipient: int
) -> Held:
    """Storage.hold_message."""
    m = new.message
    with transaction(db):
        if db.execute(_ACCEPTED, (m.target, m.sender_id)).fetchone():
            return Held(m.mid, 0, fresh=False, accepted=True)
        (count,) = db.execute(
            _COUNT_HELD + " AND sender_id = ?", (m.target, m.sender_id)
        ).fetchone()
        if new.cid is not None:
            first = db.execute(
                "SELECT mid FROM held_messages WHERE sender_id = ? AND cid = ?",
                (m.sender_id, new.cid),
            ).fetchone()
            if first:
                return Held(first[0], count, fresh=False)
        if count >= per_sender:
            raise LimitReached("sender")
        if db.execute(_COUNT_HELD, (m.target,)).fetchone()[0] >= per_recipient:
            raise LimitReached("recipient")
        try:
            db.execute(
                "INSERT INTO held_messages (recipient_id, sender_id, mid, sender_name, body,"
                " sent_time, ts, cid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (m.target, m.sender_id, m.mid, m.sender_name, m.text, m.time, m.ts, new.cid),
            )
        except sqlite3.IntegrityError as exc:
            raise refused(exc, NoSuchUser(m.target)) from None
    return Held(m.mid, count + 1)


def message_requests(
    db: sqlite3.Connection, user_id: int, after: int | None, limit: int, first: int
) -> list[MessageRequest]:
    """Storage.message_requests."""
    senders = db.execute(
        "SELECT h.sender_id, u.name, count(*) FROM held_messages h"
        " JOIN users u ON u.id = h.sender_id WHERE h.recipient_id = ? AND h.sender_id > ?"
        " GROUP BY h.sender_id, u.name ORDER BY h.sender_id LIMIT ?",
        (user_id, FIRST if after is None else after, limit),
    ).fetchall()
    return [
        MessageRequest(Contact(sender, name), count, tuple(_held(db, user_id, sender, first)))
        for sender, name, count in senders
    ]


def _held(db: sqlite3.Connection, user_id: int, sender_id: int, limit: int) -> list[StoredMessage]:
    rows = db.execute(
        f"SELECT {_HELD_COLUMNS} FROM held_messages WHERE recipient_id = ? AND sender_id = ?"
        " ORDER BY id LIMIT ?",
        (user_id, sender_id, limit),
    )
    return [stored_message(row) for row in rows]


def accept_sender(
    db: sqlite3.Connection, user_id: int, sender_id: int
) -> list[tuple[int, StoredMessage]]:
    """Storage.accept_sender."""
    with transaction(db):
        held = db.execute(
            f"SELECT {_HELD_COLUMNS}, cid FROM held_messages"
            " WHERE recipient_id = ? AND sender_id = ? ORDER BY id",
            (user_id, sender_id),
        ).fetchall()
        if not held:
            return []
        db.execute("INSERT OR IGNORE INTO accepted_senders (user_id, sender_id) VALUES (?, ?)",
                   (user_id, sender_id))  # fmt: skip
        db.execute("DELETE FROM held_messages WHERE recipient_id = ? AND sender_id = ?",
                   (user_id, sender_id))  # fmt: skip
        batch = [NewMessage(stored_message(row[:-1]), (user_id,), row[-1]) for row in held]
        logged = sqlite_log.log_in_transaction(db, batch)
    return [
        (seq, found.first or new.message)
        for new, found in zip(batch, logged, strict=True)
        for uid, seq in found.deliveries
        if uid == user_id
    ]


def decline_sender(db: sqlite3.Connection, user_id: int, sender_id: int) -> int:
    """Storage.decline_sender."""
    with transaction(db):
        cur = db.execute(
            "DELETE FROM held_messages WHERE recipient_id = ? AND sender_id = ?",
            (user_id, sender_id),
        )
    return cur.rowcount


class SQLiteBlocks:
    """The Blocks methods of SQLiteStorage, which provides `_run`."""

    if TYPE_CHECKING:

        async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T: ...

    async def block(self, user_id: int, blocked_id: int, *, most: int) -> bool:
        return await self._run(lambda db: block(db, user_id, blocked_id, most))

    async def unblock(self, user_id: int, blocked_id: int) -> bool:
        return await self._run(lambda db: unblock(db, user_id, blocked_id))

    async def blocks(self, user_id: int, after: int | None, limit: int) -> list[Contact]:
        return await self._run(lambda db: blocks(db, user_id, after, limit))

    async def blocked(self, user_id: int, by_id: int) -> bool:
        return bool(await self._run(lambda db: blocked_by_any(db, user_id, [by_id])))

    async def blocked_by_any(self, user_id: int, by_ids: Sequence[int]) -> set[int]:
        return await self._run(lambda db: blocked_by_any(db, user_id, by_ids))

    async def ties(self, user_id: int) -> Ties:
        return await self._run(lambda db: ties(db, user_id))

    async def hold_message(self, new: NewMessage, *, per_sender: int, per_recipient: int) -> Held:
        return await self._run(lambda db: hold_message(db, new, per_sender, per_recipient))

    async def message_requests(
        self, user_id: int, after: int | None, limit: int, first: int
    ) -> list[MessageRequest]:
        return await self._run(lambda db: message_requests(db, user_id, after, limit, first))

    async def accept_sender(self, user_id: int, sender_id: int) -> list[tuple[int, StoredMessage]]:
        return await self._run(lambda db: accept_sender(db, user_id, sender_id))

    async def decline_sender(self, user_id: int, sender_id: int) -> int:
        return await self._run(lambda db: decline_sender(db, user_id, sender_id))
