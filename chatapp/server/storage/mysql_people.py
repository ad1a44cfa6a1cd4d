"""Finding people, conversations and read markers in MySQLStorage (migration 009).

Coroutines of an aiomysql cursor, run by MySQLStorage in its transactions (writes) or in
autocommit (reads).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from .base import NoSuchUser
from .log_rows import conversation_key
from .mysql_pool import Cursor, Work, conflicts
from .mysql_round import Round
from .people_rows import (
    ADVANCE_HEAD,
    BY_PREFIX,
    HEAD_QUERIES,
    LAST,
    MARKER,
    MESSAGE,
    NAME_FOLDS,
    READERS,
    SET_FOLD,
    UNFOLDED,
    UNREAD,
    ConversationRow,
    assemble,
    heads_of_batch,
    markers_of,
    marks,
    message_of,
    name_fold,
    newest,
    page_reads,
    prefix_range,
    unread_params,
)
from .rows import Contact, Conversation, StoredMessage

T = TypeVar("T")

_ADVANCE = marks(ADVANCE_HEAD, "%s")
_ADVANCE += " ON DUPLICATE KEY UPDATE last_mid = GREATEST(last_mid, VALUES(last_mid))"
_MARK = (
    "INSERT INTO read_markers (user_id, kind, chan_lo, chan_hi, mid) VALUES (%s, %s, %s, %s, %s)"
    " ON DUPLICATE KEY UPDATE mid = GREATEST(mid, VALUES(mid))"
)
_HEADS = [marks(sql, "%s") for sql in HEAD_QUERIES]
_UNFOLDED, _SET_FOLD, _BY_PREFIX = (marks(s, "%s") for s in (UNFOLDED, SET_FOLD, BY_PREFIX))
_MARKER, _UNREAD, _MESSAGE, _READERS = (marks(s, "%s") for s in (MARKER, UNREAD, MESSAGE, READERS))


async def fold_names(cur: Cursor) -> int:
    """Gives every user without one the key a prefix search compares; returns how many
    (none in a database older than the keys: a server of older migrations, in tests).
    The caller holds a transaction."""
    await cur.execute("SELECT version FROM schema_version")
    if (await cur.fetchone())[0] < NAME_FOLDS:
        return 0
    done = 0
    while True:
        await cur.execute(_UNFOLDED)
        rows = await cur.fetchall()
        if not rows:
            return done
        await cur.executemany(_SET_FOLD, [(name_fold(name), uid) for uid, name in rows])
        done += len(rows)


async def users_by_prefix(cur: Cursor, prefix: str, limit: int) -> list[Contact]:
    """Storage.users_by_prefix."""
    await cur.execute(_BY_PREFIX, (*prefix_range(prefix), limit))
    return [Contact(uid, name) for uid, name in await cur.fetchall()]


def add_heads(rnd: Round, messages: Sequence[Sequence[object]]) -> None:
    """Moves the heads of the conversations of a batch's `messages` rows (log_rows'
    message_row) to their last messages, locking them in key order: a statement of the
    batch's round trip, in its transaction."""
    heads = heads_of_batch(messages)
    if heads:
        rnd.add_rows(_ADVANCE, heads)


async def conversations(
    cur: Cursor, user_id: int, before: int | None, limit: int, cap: int
) -> list[ConversationRow]:
    """Storage.conversations."""
    parts = []
    for sql in _HEADS:
        await cur.execute(sql, (user_id, LAST if before is None else before, limit))
        parts.append(await cur.fetchall())
    heads = newest(parts, limit)
    if not heads:
        return []
    reads = []
    for sql, params in page_reads(heads, user_id):
        await cur.execute(marks(sql, "%s"), params)
        reads.append(await cur.fetchall())
    markers = markers_of(reads)
    unread = []
    for conversation, _ in heads:
        read = markers.get(conversation_key(conversation), 0)
        await cur.execute(_UNREAD, unread_params(conversation, user_id, read, cap))
        unread.append(int((await cur.fetchone())[0]))
    return assemble(heads, user_id, reads, unread)


async def message_by_id(cur: Cursor, mid: int) -> StoredMessage | None:
    """Storage.message_by_id."""
    await cur.execute(_MESSAGE, (mid,))
    return message_of(await cur.fetchone())


async def mark_read(cur: Cursor, user_id: int, conversation: Conversation, mid: int) -> int:
    """Storage.mark_read; the caller holds a transaction."""
    key = conversation_key(conversation)
    await cur.execute(f"{_MARKER} FOR UPDATE", (user_id, *key))
    row = await cur.fetchone()
    with conflicts(missing=NoSuchUser(user_id)):
        await cur.execute(_MARK, (user_id, *key, mid))
    return int(row[0]) if row else 0


async def readers(cur: Cursor, conversation: Conversation, mid: int, excluding: int) -> int:
    """Storage.readers."""
    await cur.execute(_READERS, (*conversation_key(conversation), mid, excluding))
    return int((await cur.fetchone())[0])


class MySQLPeople:
    """Storage.People for MySQLStorage, which provides `_run`."""

    async def _run(self, work: Work[T], *, write: bool, retry: bool = True) -> T:
        raise NotImplementedError  # MySQLStorage._run

    async def users_by_prefix(self, prefix: str, limit: int) -> list[Contact]:
        return await self._run(lambda c: users_by_prefix(c, prefix, limit), write=False)

    async def conversations(
        self, user_id: int, before: int | None, limit: int, unread_cap: int
    ) -> list[ConversationRow]:
        return await self._run(
            lambda cur: conversations(cur, user_id, before, limit, unread_cap),
            write=False,
        )

    async def message_by_id(self, mid: int) -> StoredMessage | None:
        return await self._run(lambda cur: message_by_id(cur, mid), write=False)

    async def mark_read(self, user_id: int, conversation: Conversation, mid: int) -> int:
        return await self._run(lambda cur: mark_read(cur, user_id, conversation, mid), write=True)

    async def readers(self, conversation: Conversation, mid: int, excluding: int) -> int:
        return await self._run(lambda cur: readers(cur, conversation, mid, excluding), write=False)
