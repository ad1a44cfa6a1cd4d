"""Blocking and message requests in MySQLStorage: the queries, and the methods that run them.

MySQLStorage takes the methods from MySQLBlocks; each runs a coroutine of a cursor below,
in a transaction where it writes (see MySQLStorage._run).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from . import mysql_log
from .base import LimitReached, NoSuchUser
from .block_rows import Held, MessageRequest, Ties
from .log_rows import stored_message
from .mysql_pool import Cursor, Retry, Work, conflicts, is_duplicate
from .rows import FIRST, Contact, Kind, NewMessage, StoredMessage

T = TypeVar("T")

# Every held message is a one-to-one chat: read as the log's rows are.
_HELD_COLUMNS = (
    f"mid, {int(Kind.DIRECT)}, sender_id, sender_name, recipient_id, body, sent_time, ts"
)
_COUNT_HELD = "SELECT count(*) FROM held_messages WHERE recipient_id = %s"
_BETWEEN = " WHERE user_id = %s AND {} = %s"


async def block(cur: Cursor, user_id: int, blocked_id: int, most: int) -> bool:
    """Storage.block; the caller holds a transaction."""
    await cur.execute("SELECT 1 FROM users WHERE id = %s", (blocked_id,))
    if await cur.fetchone() is None:
        raise NoSuchUser(blocked_id)
    await cur.execute("SELECT 1 FROM blocks" + _BETWEEN.format("blocked_id"), (user_id, blocked_id))
    if await cur.fetchone() is None:
        await cur.execute("SELECT count(*) FROM blocks WHERE user_id = %s", (user_id,))
        if (await cur.fetchone())[0] >= most:
            raise LimitReached("blocks")
        with conflicts(missing=NoSuchUser(user_id)):
            await cur.execute(
                "INSERT IGNORE INTO blocks (user_id, blocked_id) VALUES (%s, %s)",
                (user_id, blocked_id),
            )
    ended = await cur.execute(
        "DELETE FROM friends WHERE (user_id = %s AND friend_id = %s)"
        " OR (user_id = %s AND friend_id = %s)",
        (user_id, blocked_id, blocked_id, user_id),
    )
    await cur.execute(
        "DELETE FROM held_messages WHERE recipient_id = %s AND sender_id = %s",
        (user_id, blocked_id),
    )
    await cur.execute(
        "DELETE FROM accepted_senders" + _BETWEEN.format("sender_id"), (user_id, blocked_id)
    )
    await cur.execute(
        "DELETE FROM friend_requests WHERE (requester_id = %s AND target_id = %s)"
        " OR (requester_id = %s AND target_id = %s)",
        (user_id, blocked_id, blocked_id, user_id),
    )
    await cur.execute(
        "DELETE FROM group_invitations WHERE invitee_id = %s AND inviter_id = %s",
        (user_id, blocked_id),
    )
    return bool(ended)


async def unblock(cur: Cursor, user_id: int, blocked_id: int) -> bool:
    """Storage.unblock; the caller holds a transaction."""
    return bool(
        await cur.execute(
            "DELETE FROM blocks" + _BETWEEN.format("blocked_id"), (user_id, blocked_id)
        )
    )


async def blocks(cur: Cursor, user_id: int, after: int | None, limit: int) -> list[Contact]:
    """Storage.blocks."""
    await cur.execute(
        "SELECT u.id, u.name FROM blocks b JOIN users u ON u.id = b.blocked_id"
        " WHERE b.user_id = %s AND b.blocked_id > %s ORDER BY b.blocked_id LIMIT %s",
        (user_id, FIRST if after is None else after, limit),
    )
    return [Contact(*row) for row in await cur.fetchall()]


async def blocked_by_any(cur: Cursor, user_id: int, by_ids: Sequence[int]) -> set[int]:
    """Storage.blocked_by_any (and Storage.blocked, with one)."""
    ids = sorted(set(by_ids))
    if not ids:
        return set()
    await cur.execute(
        "SELECT user_id FROM blocks WHERE blocked_id = %s"
        f" AND user_id IN ({', '.join(['%s'] * len(ids))})",
        (user_id, *ids),
    )
    return {row[0] for row in await cur.fetchall()}


async def ties(cur: Cursor, user_id: int) -> Ties:
    """Storage.ties."""
    await cur.execute("SELECT strangers FROM user_settings WHERE user_id = %s", (user_id,))
    setting = await cur.fetchone()
    await cur.execute("SELECT blocked_id FROM blocks WHERE user_id = %s", (user_id,))
    blocked = frozenset(row[0] for row in await cur.fetchall())
    await cur.execute("SELECT sender_id FROM accepted_senders WHERE user_id = %s", (user_id,))
    accepted = frozenset(row[0] for row in await cur.fetchall())
    return Ties(setting[0] if setting else "everyone", blocked, accepted)


async def hold_message(cur: Cursor, new: NewMessage, per_sender: int, per_recipient: int) -> Held:
    """Storage.hold_message; the caller holds a transaction. The recipient's row is locked
    first, so that concurrent holds for one recipient count one after the other."""
    m = new.message
    await cur.execute("SELECT id FROM users WHERE id = %s FOR UPDATE", (m.target,))
    if await cur.fetchone() is None:
        raise NoSuchUser(m.target)
    await cur.execute("SELECT 1 FROM accepted_senders" + _BETWEEN.format("sender_id"),
                      (m.target, m.sender_id))  # fmt: skip
    if await cur.fetchone():
        return Held(m.mid, 0, fresh=False, accepted=True)
    await cur.execute(_COUNT_HELD + " AND sender_id = %s", (m.target, m.sender_id))
    count = (await cur.fetchone())[0]
    if new.cid is not None:
        await cur.execute(
            "SELECT mid FROM held_messages WHERE sender_id = %s AND cid_key = CAST(%s AS BINARY)",
            (m.sender_id, new.cid),
        )
        if first := await cur.fetchone():
            return Held(first[0], count, fresh=False)
    if count >= per_sender:
        raise LimitReached("sender")
    await cur.execute(_COUNT_HELD, (m.target,))
    if (await cur.fetchone())[0] >= per_recipient:
        raise LimitReached("recipient")
    with conflicts(missing=NoSuchUser(m.sender_id)):
        await cur.execute(
            "INSERT INTO held_messages (recipient_id, sender_id, mid, sender_name, body,"
            " sent_time, ts, cid) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (m.target, m.sender_id, m.mid, m.sender_name, m.text, m.time, m.ts, new.cid),
        )
    return Held(m.mid, count + 1)


async def message_requests(
    cur: Cursor, user_id: int, after: int | None, limit: int, first: int
) -> list[MessageRequest]:
    """Storage.message_requests."""
    await cur.execute(
        "SELECT h.sender_id, u.name, count(*) FROM held_messages h"
        " JOIN users u ON u.id = h.sender_id WHERE h.recipient_id = %s AND h.sender_id > %s"
        " GROUP BY h.sender_id, u.name ORDER BY h.sender_id LIMIT %s",
        (user_id, FIRST if after is None else after, limit),
    )
    found = []
    for sender, name, count in await cur.fetchall():
        await cur.execute(
            f"SELECT {_HELD_COLUMNS} FROM held_messages WHERE recipient_id = %s"
            " AND sender_id = %s ORDER BY id LIMIT %s",
            (user_id, sender, first),
        )
        messages = tuple(stored_message(row) for row in await cur.fetchall())
        found.append(MessageRequest(Contact(sender, name), count, messages))
    return found


async def accept_sender(
    cur: Cursor, user_id: int, sender_id: int
) -> list[tuple[int, StoredMessage]]:
    """Storage.accept_sender; the caller holds a transaction."""
    await cur.execute(
        f"SELECT {_HELD_COLUMNS}, cid FROM held_messages WHERE recipient_id = %s"
        " AND sender_id = %s ORDER BY id FOR UPDATE",
        (user_id, sender_id),
    )
    held = await cur.fetchall()
    if not held:
        return []
    await cur.execute(
        "INSERT IGNORE INTO accepted_senders (user_id, sender_id) VALUES (%s, %s)",
        (user_id, sender_id),
    )
    await cur.execute(
        "DELETE FROM held_messages WHERE recipient_id = %s AND sender_id = %s",
        (user_id, sender_id),
    )
    batch = [NewMessage(stored_message(row[:-1]), (user_id,), row[-1]) for row in held]
    logged, _ = await mysql_log.log_messages(cur, batch, is_duplicate)
    return [
        (seq, found.first or new.message)
        for new, found in zip(batch, logged, strict=True)
        for uid, seq in found.deliveries
        if uid == user_id
    ]


async def decline_sender(cur: Cursor, user_id: int, sender_id: int) -> int:
    """Storage.decline_sender; the caller holds a transaction."""
    return int(
        await cur.execute(
            "DELETE FROM held_messages WHERE recipient_id = %s AND sender_id = %s",
            (user_id, sender_id),
        )
    )


class MySQLBlocks:
    """The Blocks methods of MySQLStorage, which provides `_run`."""

    if TYPE_CHECKING:

        async def _run(self, work: Work[T], *, write: bool, retry: bool = True) -> T: ...

    async def block(self, user_id: int, blocked_id: int, *, most: int) -> bool:
        return await self._run(lambda cur: block(cur, user_id, blocked_id, most), write=True)

    async def unblock(self, user_id: int, blocked_id: int) -> bool:
        return await self._run(lambda cur: unblock(cur, user_id, blocked_id), write=True)

    async def blocks(self, user_id: int, after: int | None, limit: int) -> list[Contact]:
        return await self._run(lambda cur: blocks(cur, user_id, after, limit), write=False)

    async def blocked(self, user_id: int, by_id: int) -> bool:
        return bool(await self.blocked_by_any(user_id, [by_id]))

    async def blocked_by_any(self, user_id: int, by_ids: Sequence[int]) -> set[int]:
        return await self._run(lambda cur: blocked_by_any(cur, user_id, by_ids), write=False)

    async def ties(self, user_id: int) -> Ties:
        return await self._run(lambda cur: ties(cur, user_id), write=False)

    async def hold_message(self, new: NewMessage, *, per_sender: int, per_recipient: int) -> Held:
        return await self._run(
            lambda cur: hold_message(cur, new, per_sender, per_recipient), write=True
        )

    async def message_requests(
        self, user_id: int, after: int | None, limit: int, first: int
    ) -> list[MessageRequest]:
        return await self._run(
            lambda cur: message_requests(cur, user_id, after, limit, first), write=False
        )

    async def accept_sender(self, user_id: int, sender_id: int) -> list[tuple[int, StoredMessage]]:
        async def write(cur: Cursor) -> list[tuple[int, StoredMessage]]:
            try:
                return await accept_sender(cur, user_id, sender_id)
            except Exception as exc:
                if is_duplicate(exc):  # a cid logged meanwhile: the next attempt finds it
                    raise Retry() from exc
                raise

        return await self._run(write, write=True)

    async def decline_sender(self, user_id: int, sender_id: int) -> int:
        return await self._run(lambda cur: decline_sender(cur, user_id, sender_id), write=True)
