"""The message log of MySQLStorage: messages, and each user's numbered deliveries of them.

Coroutines of an aiomysql cursor, run by MySQLStorage in its transactions (writes) or in
autocommit (reads); it translates the driver's errors, so this module never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from .base import NoSuchUser
from .log_rows import (
    MESSAGE_COLUMNS,
    Firsts,
    NumberedBatch,
    conversation_key,
    insert_message,
    number_batch,
    stored_message,
)
from .mysql_people import add_heads
from .mysql_round import Round, Rows
from .rows import Conversation, Logged, NewMessage, Pending, StoredMessage

Cursor = Any  # aiomysql ships no types

INSERT_MESSAGE = insert_message("%s")
_INSERT_DELIVERY = "INSERT INTO deliveries (user_id, seq, message_id) VALUES (%s, %s, %s)"
_COLUMNS = ", ".join(f"m.{c.strip()}" for c in MESSAGE_COLUMNS.split(","))
_ACKED = "COALESCE((SELECT acked_seq FROM delivery_cursors WHERE user_id = %s), 0)"
_CURSOR = f"COALESCE(%s, {_ACKED})"
_NO_LIMIT = (1 << 63) - 1
# Statements that lock rows name the primary key: on a small table the optimizer prefers to
# scan it all, which locks (or waits for) every row, and concurrent batches then deadlock.
# (A DELETE takes an index hint only in its multi-table form.)
_BY_KEY = "FORCE INDEX (PRIMARY)"


async def log_messages(
    cur: Cursor,
    batch: Sequence[NewMessage],
    duplicate_key: Callable[[Exception], bool],
    then: Callable[[Round], int] | None = None,
) -> tuple[list[Logged], Rows]:
    """Storage.log_messages; the caller holds a transaction. `duplicate_key` tells the
    driver's error for a row whose unique key is taken; `then` adds the caller's own
    statements to the batch's round trip and names the one whose rows it wants back.

    Only the recipients' delivery counters are locked, first, all in one statement in id
    order: each user's sequence numbers commit in order without gaps or duplicates, while
    batches for other recipients, on this instance or another, go ahead. Senders are not
    locked: the unique key on (sender_id, cid_key) keeps a cid to one message. Then one
    round trip (mysql_round) inserts the messages, moves the heads, inserts the deliveries
    and sets the counters, and carries `then`'s statements. The messages are inserted
    without looking their cids up first; where one was logged before, the insert fails as
    a whole (nothing of it stays, and nothing after it in the round ran), the cids are
    looked up and the batch inserted again without its duplicates. Should another
    transaction log one of them between the lookup and that insert, the error goes to the
    caller, whose next attempt finds it. An unknown sender fails the insert's foreign key
    (the caller names the sender, through `unknown_users`).

    Acknowledgements come after, in the same transaction (mysql_acks): devices, then the
    users' cursors (locked in id order); the rows they pass are deleted later, in the
    background, by forget_acknowledged (mysql_forget.py).
    """
    recipients = {uid for new in batch for uid in new.recipients}
    counters = await _lock_counters(cur, recipients)
    if len(counters) < len(recipients):
        # A user made without counters (by hand, say) gets them; unknown ones stay missing.
        await _add_counters(cur, recipients - counters.keys())
        counters = await _lock_counters(cur, recipients)
    missing = sorted(recipients - counters.keys())
    if missing:
        raise NoSuchUser(missing)
    numbered = number_batch(batch, counters, {})
    inserts = Round(cur)
    inserts.add_rows(INSERT_MESSAGE, numbered.messages)
    alone = len(inserts) > 1  # too long to go with the rest: on its own round trips, first
    if alone:
        # Several statements: a duplicate in a later one leaves the earlier ones' rows.
        await cur.execute("SAVEPOINT batch_messages")
        try:
            await inserts.run()
        except Exception as exc:
            if not duplicate_key(exc):
                raise
            await cur.execute("ROLLBACK TO SAVEPOINT batch_messages")
            numbered = await _without_duplicates(cur, batch, counters)
    rnd, wanted = _round(cur, numbered, then, with_messages=not alone)
    try:
        results = await rnd.run()
    except Exception as exc:
        if alone or not numbered.messages or not duplicate_key(exc) or rnd.failed_at != 0:
            raise
        numbered = await _without_duplicates(cur, batch, counters)
        rnd, wanted = _round(cur, numbered, then, with_messages=False)
        results = await rnd.run()
    return numbered.logged, results[wanted] if wanted is not None else []


def _round(
    cur: Cursor,
    numbered: NumberedBatch,
    then: Callable[[Round], int] | None,
    *,
    with_messages: bool,
) -> tuple[Round, int | None]:
    """The batch's round trip: the messages (first, where `with_messages`), the heads, the
    deliveries, the counters, then the caller's; and the index of the caller's rows."""
    rnd = Round(cur)
    if with_messages:
        rnd.add_rows(INSERT_MESSAGE, numbered.messages)
    add_heads(rnd, numbered.messages)
    if numbered.deliveries:
        rnd.add_rows(_INSERT_DELIVERY, numbered.deliveries)
        last_seqs = {uid: numbered.last[uid] for uid, _, _ in numbered.deliveries}
        rnd.add(
            f"UPDATE delivery_counters {_BY_KEY} SET last_seq = {_case(len(last_seqs))}"
            f" WHERE user_id IN ({_marks(len(last_seqs))})",
            [*(v for pair in last_seqs.items() for v in pair), *last_seqs],
        )
    return rnd, then(rnd) if then is not None else None


async def _without_duplicates(
    cur: Cursor, batch: Sequence[NewMessage], counters: dict[int, int]
) -> NumberedBatch:
    """After a duplicate cid failed the messages' INSERT: the batch numbered again without
    the messages logged before, and the rest of its messages inserted."""
    numbered = number_batch(batch, counters, await _logged_before(cur, batch))
    if numbered.messages:
        # INSERT ... VALUES through executemany is sent as multi-row INSERTs.
        await cur.executemany(INSERT_MESSAGE, numbered.messages)
    return numbered


async def _lock_counters(cur: Cursor, user_ids: Collection[int]) -> dict[int, int]:
    """Locks the users' delivery counters in id order; the last_seq of each that exists."""
    if not user_ids:
        return {}
    await cur.execute(
        f"SELECT user_id, last_seq FROM delivery_counters {_BY_KEY}"
        f" WHERE user_id IN ({_marks(len(user_ids))}) ORDER BY user_id FOR UPDATE",
        sorted(user_ids),
    )
    return {uid: seq for uid, seq in await cur.fetchall()}


async def _add_counters(cur: Cursor, user_ids: Collection[int]) -> None:
    """Gives the existing users among `user_ids` a counter and a cursor where they lack one."""
    ids = sorted(user_ids)
    for table in ("delivery_counters", "delivery_cursors"):
        # IGNORE: another batch may add the same row meanwhile (nothing else can fail here).
        await cur.execute(
            f"INSERT IGNORE INTO {table} (user_id)"
            f" SELECT id FROM users WHERE id IN ({_marks(len(ids))}) ORDER BY id",
            ids,
        )


async def unknown_users(cur: Cursor, user_ids: Collection[int]) -> list[int]:
    """Those of `user_ids` that name no user, in order."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    await cur.execute(f"SELECT id FROM users WHERE id IN ({_marks(len(ids))})", ids)
    known = {row[0] for row in await cur.fetchall()}
    return [uid for uid in ids if uid not in known]


async def _logged_before(cur: Cursor, batch: Sequence[NewMessage]) -> Firsts:
    """The message already logged under each (sender, cid) of the batch, and its deliveries
    still in the log."""
    keys = {(new.message.sender_id, new.cid) for new in batch if new.cid is not None}
    if not keys:
        return {}
    # cid_key holds the cid's exact bytes, as the unique key compares them. (No bytes
    # parameters: aiomysql 0.3 cannot send them with PyMySQL 1.2.)
    await cur.execute(
        f"SELECT sender_id, cid_key, {MESSAGE_COLUMNS} FROM messages WHERE (sender_id, cid_key)"
        f" IN ({', '.join(['(%s, CAST(%s AS BINARY))'] * len(keys))})",
        [v for key in keys for v in key],
    )
    firsts = {
        (row[0], bytes(row[1]).decode()): stored_message(row[2:]) for row in await cur.fetchall()
    }
    if not firsts:
        return {}
    # Rows at or below the user's cursor may linger (see forget_acknowledged): not in the log.
    await cur.execute(
        "SELECT d.message_id, d.user_id, d.seq FROM deliveries d"
        " JOIN delivery_cursors c ON c.user_id = d.user_id"
        f" WHERE d.message_id IN ({_marks(len(firsts))}) AND d.seq > c.acked_seq",
        [first.mid for first in firsts.values()],
    )
    seqs: dict[int, dict[int, int]] = {first.mid: {} for first in firsts.values()}
    for mid, uid, seq in await cur.fetchall():
        seqs[mid][uid] = seq
    return {key: (first, seqs[first.mid]) for key, first in firsts.items()}


async def forget_acknowledged(cur: Cursor, acks: Mapping[int, int]) -> None:
    """Deletes the users' deliveries at or below their cursors (`acks`: user id: cursor),
    in a transaction of its own, in the background (mysql_forget.py): inside the batch's
    transaction, these deletes held locks on rows another instance's batch (acknowledging
    the same user while they moved from one instance to the other) was deleting too, while
    each held locks of its inserts, and the two deadlocked. Rows left behind (this failed,
    or the server stopped first) are below the cursor, which every read starts after, and
    go with the user's next acknowledgement.
    """
    ids = sorted(acks)
    # A plain SELECT reads what is committed without locking or waiting.
    ranges = " OR ".join(["(user_id = %s AND seq <= %s)"] * len(ids))
    await cur.execute(
        f"SELECT user_id, seq FROM deliveries {_BY_KEY} WHERE {ranges}",
        [v for uid in ids for v in (uid, acks[uid])],
    )
    acked: dict[int, list[int]] = {}
    for uid, seq in await cur.fetchall():
        acked.setdefault(uid, []).append(seq)
    if acked:  # exact rows: a range would also lock the row above, which may be on its way
        points = " OR ".join(
            f"(d.user_id = %s AND d.seq IN ({_marks(len(seqs))}))" for seqs in acked.values()
        )
        await cur.execute(
            f"DELETE d FROM deliveries d {_BY_KEY} WHERE {points}",
            [v for uid, seqs in acked.items() for v in (uid, *seqs)],
        )


def _marks(n: int) -> str:
    """n parameter marks, comma separated."""
    return ", ".join(["%s"] * n)


def _case(n: int) -> str:
    """A CASE on user_id with n (user id, value) parameter pairs."""
    return f"CASE user_id {' '.join(['WHEN %s THEN %s'] * n)} END"


async def pending(cur: Cursor, user_id: int, after: int | None, limit: int) -> Pending:
    """Storage.pending, in one statement so that the cursor and the deliveries agree."""
    # Rows at or below the cursor may linger until forget_acknowledged's next round: they
    # are not in the log, whatever `after` asks for.
    await cur.execute(
        f"SELECT {_CURSOR}, d.seq, {_COLUMNS} FROM deliveries d"
        " JOIN messages m ON m.id = d.message_id"
        f" WHERE d.user_id = %s AND d.seq > GREATEST(COALESCE(%s, 0), {_ACKED})"
        " ORDER BY d.seq LIMIT %s",
        (after, user_id, user_id, after, user_id, limit if limit >= 0 else _NO_LIMIT),
    )
    rows = await cur.fetchall()
    if rows:
        return Pending(rows[0][0], [(row[1], stored_message(row[2:])) for row in rows])
    if after is None:
        await cur.execute("SELECT acked_seq FROM delivery_cursors WHERE user_id = %s", (user_id,))
        row = await cur.fetchone()
        after = row[0] if row else 0
    return Pending(after, [])


async def history(
    cur: Cursor, conversation: Conversation, before: int | None, limit: int
) -> list[StoredMessage]:
    """Storage.history."""
    below = "" if before is None else " AND id < %s"
    await cur.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM messages"
        f" WHERE kind = %s AND chan_lo = %s AND chan_hi = %s{below} ORDER BY id DESC LIMIT %s",
        (
            *conversation_key(conversation),
            *([] if before is None else [before]),
            limit if limit >= 0 else _NO_LIMIT,
        ),
    )
    return [stored_message(row) for row in await cur.fetchall()]


async def last_seq(cur: Cursor, user_id: int) -> int:
    """Storage.last_seq."""
    await cur.execute("SELECT last_seq FROM delivery_counters WHERE user_id = %s", (user_id,))
    row = await cur.fetchone()
    return int(row[0]) if row else 0
