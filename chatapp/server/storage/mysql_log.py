"""The message log of MySQLStorage: messages, per-user deliveries, resume tokens.

Coroutines of an aiomysql cursor, run by MySQLStorage in its transactions (writes) or in
autocommit (reads); it translates the driver's errors, so this module never imports it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from chatapp.protocol import Chat

from .base import (
    MESSAGE_COLUMNS,
    Conversation,
    Logged,
    NewMessage,
    NoSuchUser,
    Pending,
    User,
    chat_from_row,
    message_row,
)

Cursor = Any  # aiomysql ships no types

_INSERT_MESSAGE = (
    "INSERT INTO messages (id, kind, sender_id, sender_name, target_id, chan_lo, chan_hi,"
    " body, sent_time, ts, cid) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
_INSERT_DELIVERY = "INSERT INTO deliveries (user_id, seq, message_id) VALUES (%s, %s, %s)"
_COLUMNS = ", ".join(f"m.{c.strip()}" for c in MESSAGE_COLUMNS.split(","))
_CURSOR = "COALESCE(%s, (SELECT acked_seq FROM users WHERE id = %s))"
_NO_LIMIT = (1 << 63) - 1
# Statements that lock rows name the primary key: on a small table the optimizer prefers to
# scan it all, which locks (or waits for) every row, and concurrent batches then deadlock.
# (A DELETE takes an index hint only in its multi-table form.)
_BY_KEY = "FORCE INDEX (PRIMARY)"


async def log_messages(
    cur: Cursor, batch: Sequence[NewMessage], acks: Mapping[int, int]
) -> list[Logged]:
    """Storage.log_messages; the caller holds a transaction.

    Every user row the batch touches (recipients, senders, acknowledging users) is locked
    first, all in one statement in id order, so that concurrent batches, on this instance
    or another, never deadlock: each user's sequence numbers commit in order, and a sender's
    cids are looked up by one batch at a time.
    """
    recipients = {uid for new in batch for uid in new.recipients}
    senders = {new.message.id for new in batch}
    last = await _lock_users(cur, recipients | senders | acks.keys())
    missing = sorted((recipients | senders) - last.keys())
    if missing:
        raise NoSuchUser(missing)
    first = await _logged_cids(cur, batch)
    logged: list[Logged] = []
    messages: list[tuple[object, ...]] = []
    deliveries: list[tuple[int, int, int]] = []
    for new in batch:
        if new.cid is not None:
            key = (new.message.id, new.cid)
            if key in first:
                logged.append(Logged(first[key], duplicate=True))
                continue
            first[key] = new.message.mid
        messages.append(message_row(new.message, new.cid))
        numbered = []
        for uid in new.recipients:
            last[uid] += 1
            numbered.append((uid, last[uid]))
            deliveries.append((uid, last[uid], new.message.mid))
        logged.append(Logged(new.message.mid, tuple(numbered)))
    # INSERT ... VALUES through executemany is sent as multi-row INSERTs.
    await cur.executemany(_INSERT_MESSAGE, messages)
    await cur.executemany(_INSERT_DELIVERY, deliveries)
    await _update_users(cur, {uid: last[uid] for uid, _, _ in deliveries}, acks)
    if acks:
        ranges = " OR ".join(["(d.user_id = %s AND d.seq <= %s)"] * len(acks))
        await cur.execute(
            f"DELETE d FROM deliveries d {_BY_KEY} WHERE {ranges}",
            [v for ack in acks.items() for v in ack],
        )
    return logged


async def _lock_users(cur: Cursor, user_ids: Collection[int]) -> dict[int, int]:
    """Locks the users' rows in id order; the last_seq of each that exists."""
    if not user_ids:
        return {}
    await cur.execute(
        f"SELECT id, last_seq FROM users {_BY_KEY}"
        f" WHERE id IN ({', '.join(['%s'] * len(user_ids))}) ORDER BY id FOR UPDATE",
        sorted(user_ids),
    )
    return {uid: seq for uid, seq in await cur.fetchall()}


async def _logged_cids(cur: Cursor, batch: Sequence[NewMessage]) -> dict[tuple[int, str], int]:
    """The id of each message already logged under a (sender, cid) of the batch."""
    keys = {(new.message.id, new.cid) for new in batch if new.cid is not None}
    if not keys:
        return {}
    # cid_key holds the cid's exact bytes, as the unique key compares them. (No bytes
    # parameters: aiomysql 0.3 cannot send them with PyMySQL 1.2.)
    await cur.execute(
        "SELECT sender_id, cid_key, id FROM messages WHERE (sender_id, cid_key)"
        f" IN ({', '.join(['(%s, CAST(%s AS BINARY))'] * len(keys))})",
        [v for key in keys for v in key],
    )
    return {(sender, bytes(cid).decode()): mid for sender, cid, mid in await cur.fetchall()}


async def _update_users(cur: Cursor, last_seqs: Mapping[int, int], acks: Mapping[int, int]) -> None:
    """Sets users' last_seq and moves their acked_seq up, in one statement."""
    sets: list[str] = []
    args: list[int] = []
    for column, values, form in (
        ("last_seq", last_seqs, "{}"),
        ("acked_seq", acks, "GREATEST(acked_seq, {})"),
    ):
        if values:
            whens = " ".join(["WHEN %s THEN %s"] * len(values))
            sets.append(f"{column} = " + form.format(f"CASE id {whens} ELSE {column} END"))
            args.extend(v for pair in values.items() for v in pair)
    if sets:
        ids = sorted(last_seqs.keys() | acks.keys())
        await cur.execute(
            f"UPDATE users {_BY_KEY} SET {', '.join(sets)}"
            f" WHERE id IN ({', '.join(['%s'] * len(ids))})",
            [*args, *ids],
        )


async def pending(cur: Cursor, user_id: int, after: int | None, limit: int) -> Pending:
    """Storage.pending, in one statement so that the cursor and the deliveries agree."""
    await cur.execute(
        f"SELECT {_CURSOR}, {_COLUMNS}, d.seq FROM deliveries d"
        " JOIN messages m ON m.id = d.message_id"
        f" WHERE d.user_id = %s AND d.seq > {_CURSOR} ORDER BY d.seq LIMIT %s",
        (after, user_id, user_id, after, user_id, limit if limit >= 0 else _NO_LIMIT),
    )
    rows = await cur.fetchall()
    if rows:
        return Pending(rows[0][0], [chat_from_row(row[1:]) for row in rows])
    if after is None:
        await cur.execute("SELECT acked_seq FROM users WHERE id = %s", (user_id,))
        row = await cur.fetchone()
        after = row[0] if row else 0
    return Pending(after, [])


async def history(
    cur: Cursor, conversation: Conversation, before: int | None, limit: int
) -> list[Chat]:
    """Storage.history."""
    below = "" if before is None else " AND id < %s"
    await cur.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM messages"
        f" WHERE kind = %s AND chan_lo = %s AND chan_hi = %s{below} ORDER BY id DESC LIMIT %s",
        (*conversation, *([] if before is None else [before]), limit if limit >= 0 else _NO_LIMIT),
    )
    return [chat_from_row(row) for row in await cur.fetchall()]


async def save_token(
    cur: Cursor, token_hash: str, user_id: int, expires_ms: int, now_ms: int
) -> None:
    """Storage.save_token; the caller holds a transaction."""
    await cur.execute(
        "DELETE FROM resume_tokens WHERE user_id = %s AND expires_ms <= %s", (user_id, now_ms)
    )
    await cur.execute(
        "INSERT INTO resume_tokens (token_hash, user_id, expires_ms) VALUES (%s, %s, %s)",
        (token_hash, user_id, expires_ms),
    )


async def user_by_token(cur: Cursor, token_hash: str, now_ms: int) -> User | None:
    """Storage.user_by_token."""
    await cur.execute(
        "SELECT u.id, u.name, u.password_hash FROM resume_tokens t JOIN users u"
        " ON u.id = t.user_id WHERE t.token_hash = %s AND t.expires_ms > %s",
        (token_hash, now_ms),
    )
    row = await cur.fetchone()
    return User(*row) if row else None


async def drop_token(cur: Cursor, token_hash: str) -> None:
    """Storage.drop_token."""
    await cur.execute("DELETE FROM resume_tokens WHERE token_hash = %s", (token_hash,))
