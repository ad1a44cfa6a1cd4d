"""The friend requests of MySQLStorage: asked, answered, cancelled; friendships ended.

Coroutines of an aiomysql cursor, run by MySQLStorage in its transactions (writes) or in
autocommit (reads), and MySQLFriends, the part of MySQLStorage that runs them. At most
one request waits between two users, either way (the table's unique `pair`): of two users
who ask each other at once, the second to insert finds the key taken once the first
commits, and its transaction runs again, to find the first's request and accept it. (A
user's own requests come one at a time, from their one session, so their count holds.)
"""

from __future__ import annotations

from typing import TypeVar

import pymysql

from .base import AlreadyExists, NoSuchRequest, NoSuchUser, NotFriends, TooManyRequests
from .mysql_pool import DUPLICATE, Cursor, Retry, Work
from .rows import (
    FIRST,
    FRIENDS,
    REQUESTED,
    Contact,
    FriendRequest,
    RequestCounts,
    RequestOutcome,
)

T = TypeVar("T")

_BEFRIEND = (
    "INSERT INTO friends (user_id, friend_id) VALUES (%s, %s)"
    " ON DUPLICATE KEY UPDATE friend_id = friend_id"
)
_DROP_REQUEST = "DELETE FROM friend_requests WHERE requester_id = %s AND target_id = %s"
_WAITS = "SELECT 1 FROM friend_requests WHERE requester_id = %s AND target_id = %s"
# A page of one side's requests: the other user's id and name, and when it was asked.
_PAGE = (
    "SELECT u.id, u.name, r.created_ms FROM friend_requests r JOIN users u ON u.id = r.{other}"
    " WHERE r.{mine} = %s AND r.{other} > %s ORDER BY r.{other} LIMIT %s"
)
_IN = _PAGE.format(mine="target_id", other="requester_id")
_OUT = _PAGE.format(mine="requester_id", other="target_id")


async def _contact(cur: Cursor, user_id: int) -> Contact | None:
    await cur.execute("SELECT id, name FROM users WHERE id = %s", (user_id,))
    row = await cur.fetchone()
    return None if row is None else Contact(*row)


async def _exists(cur: Cursor, query: str, args: tuple[int, int]) -> bool:
    await cur.execute(query, args)
    return await cur.fetchone() is not None


async def _befriend(cur: Cursor, a: int, b: int) -> None:
    """Makes a and b friends, where they were not, and forgets any request between them."""
    await cur.executemany(_DROP_REQUEST, [(a, b), (b, a)])
    await cur.executemany(_BEFRIEND, [(a, b), (b, a)])


async def request_friend(
    cur: Cursor, user_id: int, target_id: int, now_ms: int, most: int
) -> RequestOutcome:
    """Storage.request_friend; the caller holds a transaction."""
    target = await _contact(cur, target_id)
    if target is None or target_id == user_id:
        raise NoSuchUser(target_id)
    pair = (user_id, target_id)
    if await _exists(cur, "SELECT 1 FROM friends WHERE user_id = %s AND friend_id = %s", pair):
        raise AlreadyExists(f"{user_id} and {target_id} are friends")
    if await _exists(cur, _WAITS, (target_id, user_id)):
        await _befriend(cur, user_id, target_id)
        return RequestOutcome(FRIENDS, target)
    if await _exists(cur, _WAITS, pair):
        return RequestOutcome(REQUESTED, target, new=False)
    await cur.execute("SELECT count(*) FROM friend_requests WHERE requester_id = %s", (user_id,))
    (waiting,) = await cur.fetchone()
    if waiting >= most:
        raise TooManyRequests(f"{user_id} has {waiting} requests waiting")
    try:
        await cur.execute(
            "INSERT INTO friend_requests (requester_id, target_id, created_ms) VALUES (%s, %s, %s)",
            (user_id, target_id, now_ms),
        )
    except pymysql.err.IntegrityError as exc:
        if exc.args[0] == DUPLICATE:  # the other asked meanwhile: accept theirs, next time
            raise Retry() from exc
        raise NoSuchUser(user_id) from None  # the only reference left to miss
    return RequestOutcome(REQUESTED, target)


async def answer_request(cur: Cursor, user_id: int, requester_id: int, accept: bool) -> Contact:
    """Storage.answer_request; the caller holds a transaction."""
    requester = await _contact(cur, requester_id)
    if requester is None or not await cur.execute(_DROP_REQUEST, (requester_id, user_id)):
        raise NoSuchRequest(f"{requester_id} to {user_id}")
    if accept:
        await _befriend(cur, user_id, requester_id)
    return requester


async def cancel_request(cur: Cursor, user_id: int, target_id: int) -> Contact:
    """Storage.cancel_request; the caller holds a transaction."""
    target = await _contact(cur, target_id)
    if target is None or not await cur.execute(_DROP_REQUEST, (user_id, target_id)):
        raise NoSuchRequest(f"{user_id} to {target_id}")
    return target


async def remove_friendship(cur: Cursor, user_id: int, friend_id: int) -> Contact:
    """Storage.remove_friendship; the caller holds a transaction."""
    friend = await _contact(cur, friend_id)
    gone = await cur.execute(
        "DELETE FROM friends WHERE (user_id = %s AND friend_id = %s)"
        " OR (user_id = %s AND friend_id = %s)",
        (user_id, friend_id, friend_id, user_id),
    )
    if friend is None or not gone:
        raise NotFriends(f"{user_id} and {friend_id}")
    return friend


async def requests(
    cur: Cursor, incoming: bool, user_id: int, after: int | None, limit: int
) -> list[FriendRequest]:
    """Storage.requests_in (incoming) and Storage.requests_out."""
    await cur.execute(
        _IN if incoming else _OUT, (user_id, FIRST if after is None else after, limit)
    )
    return [FriendRequest(*row) for row in await cur.fetchall()]


async def request_counts(cur: Cursor, user_id: int) -> RequestCounts:
    """Storage.request_counts."""
    await cur.execute(
        "SELECT (SELECT count(*) FROM friend_requests WHERE target_id = %s),"
        " (SELECT count(*) FROM friend_requests WHERE requester_id = %s)",
        (user_id, user_id),
    )
    incoming, outgoing = await cur.fetchone()
    return RequestCounts(int(incoming), int(outgoing))


async def cancel_requests_between(cur: Cursor, a: int, b: int) -> int:
    """Storage.cancel_requests_between; the caller holds a transaction."""
    return sum([await cur.execute(_DROP_REQUEST, pair) for pair in ((a, b), (b, a))])


class MySQLFriends:
    """Storage.Friendships for MySQLStorage, which provides `_run`."""

    async def _run(self, work: Work[T], *, write: bool, retry: bool = True) -> T:
        raise NotImplementedError  # MySQLStorage._run

    async def request_friend(
        self, user_id: int, target_id: int, now_ms: int, *, most: int
    ) -> RequestOutcome:
        return await self._run(
            lambda cur: request_friend(cur, user_id, target_id, now_ms, most), write=True
        )

    async def answer_request(self, user_id: int, requester_id: int, accept: bool) -> Contact:
        return await self._run(
            lambda cur: answer_request(cur, user_id, requester_id, accept), write=True
        )

    async def cancel_request(self, user_id: int, target_id: int) -> Contact:
        return await self._run(lambda cur: cancel_request(cur, user_id, target_id), write=True)

    async def remove_friendship(self, user_id: int, friend_id: int) -> Contact:
        return await self._run(lambda cur: remove_friendship(cur, user_id, friend_id), write=True)

    async def requests_in(self, user_id: int, after: int | None, limit: int) -> list[FriendRequest]:
        return await self._run(lambda cur: requests(cur, True, user_id, after, limit), write=False)

    async def requests_out(
        self, user_id: int, after: int | None, limit: int
    ) -> list[FriendRequest]:
        return await self._run(lambda cur: requests(cur, False, user_id, after, limit), write=False)

    async def request_counts(self, user_id: int) -> RequestCounts:
        return await self._run(lambda cur: request_counts(cur, user_id), write=False)

    async def cancel_requests_between(self, a: int, b: int) -> int:
        return await self._run(lambda cur: cancel_requests_between(cur, a, b), write=True)
