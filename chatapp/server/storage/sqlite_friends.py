"""The friend requests of SQLiteStorage: asked, answered, cancelled; friendships ended.

Plain functions of a connection, each one transaction where it writes, and SQLiteFriends,
the part of SQLiteStorage that runs them (a class of its own, so that the storage's module
only names it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

from .base import AlreadyExists, NoSuchRequest, NoSuchUser, NotFriends, TooManyRequests
from .rows import (
    FIRST,
    FRIENDS,
    REQUESTED,
    Contact,
    FriendRequest,
    RequestCounts,
    RequestOutcome,
)
from .sqlite_db import refused, transaction

T = TypeVar("T")

_BEFRIEND = "INSERT OR IGNORE INTO friends (user_id, friend_id) VALUES (?, ?)"
_DROP_REQUEST = "DELETE FROM friend_requests WHERE requester_id = ? AND target_id = ?"
_WAITS = "SELECT 1 FROM friend_requests WHERE requester_id = ? AND target_id = ?"
# A page of one side's requests: the other user's id and name, and when it was asked.
_PAGE = (
    "SELECT u.id, u.name, r.created_ms FROM friend_requests r JOIN users u ON u.id = r.{other}"
    " WHERE r.{mine} = ? AND r.{other} > ? ORDER BY r.{other} LIMIT ?"
)
_IN = _PAGE.format(mine="target_id", other="requester_id")
_OUT = _PAGE.format(mine="requester_id", other="target_id")


def _contact(db: sqlite3.Connection, user_id: int) -> Contact | None:
    row = db.execute("SELECT id, name FROM users WHERE id = ?", (user_id,)).fetchone()
    return None if row is None else Contact(*row)


def _befriend(db: sqlite3.Connection, a: int, b: int) -> None:
    """Makes a and b friends, where they were not, and forgets any request between them."""
    db.executemany(_DROP_REQUEST, [(a, b), (b, a)])
    db.executemany(_BEFRIEND, [(a, b), (b, a)])


def request_friend(
    db: sqlite3.Connection, user_id: int, target_id: int, now_ms: int, most: int
) -> RequestOutcome:
    """Storage.request_friend."""
    target = _contact(db, target_id)
    if target is None or target_id == user_id:
        raise NoSuchUser(target_id)
    with transaction(db):
        pair = (user_id, target_id)
        if db.execute("SELECT 1 FROM friends WHERE user_id = ? AND friend_id = ?", pair).fetchone():
            raise AlreadyExists(f"{user_id} and {target_id} are friends")
        if db.execute(_WAITS, (target_id, user_id)).fetchone():
            _befriend(db, user_id, target_id)
            return RequestOutcome(FRIENDS, target)
        if db.execute(_WAITS, pair).fetchone():
            return RequestOutcome(REQUESTED, target, new=False)
        query = "SELECT count(*) FROM friend_requests WHERE requester_id = ?"
        (waiting,) = db.execute(query, (user_id,)).fetchone()
        if waiting >= most:
            raise TooManyRequests(f"{user_id} has {waiting} requests waiting")
        try:
            db.execute(
                "INSERT INTO friend_requests (requester_id, target_id, created_ms)"
                " VALUES (?, ?, ?)",
                (user_id, target_id, now_ms),
            )
        except sqlite3.IntegrityError as exc:
            raise refused(exc, NoSuchUser(user_id)) from None
    return RequestOutcome(REQUESTED, target)


def answer_request(
    db: sqlite3.Connection, user_id: int, requester_id: int, accept: bool
) -> Contact:
    """Storage.answer_request."""
    requester = _contact(db, requester_id)
    with transaction(db):
        if requester is None or not db.execute(_DROP_REQUEST, (requester_id, user_id)).rowcount:
            raise NoSuchRequest(f"{requester_id} to {user_id}")
        if accept:
            _befriend(db, user_id, requester_id)
    return requester


def cancel_request(db: sqlite3.Connection, user_id: int, target_id: int) -> Contact:
    """Storage.cancel_request."""
    target = _contact(db, target_id)
    if target is None or not db.execute(_DROP_REQUEST, (user_id, target_id)).rowcount:
        raise NoSuchRequest(f"{user_id} to {target_id}")
    return target


def remove_friendship(db: sqlite3.Connection, user_id: int, friend_id: int) -> Contact:
    """Storage.remove_friendship."""
    friend = _contact(db, friend_id)
    with transaction(db):
        gone = db.execute(
            "DELETE FROM friends WHERE (user_id = ? AND friend_id = ?)"
            " OR (user_id = ? AND friend_id = ?)",
            (user_id, friend_id, friend_id, user_id),
        ).rowcount
        if friend is None or not gone:
            raise NotFriends(f"{user_id} and {friend_id}")
    return friend


def requests(
    db: sqlite3.Connection, incoming: bool, user_id: int, after: int | None, limit: int
) -> list[FriendRequest]:
    """Storage.requests_in (incoming) and Storage.requests_out."""
    rows = db.execute(
        _IN if incoming else _OUT, (user_id, FIRST if after is None else after, limit)
    )
    return [FriendRequest(*row) for row in rows]


def request_counts(db: sqlite3.Connection, user_id: int) -> RequestCounts:
    """Storage.request_counts."""
    row = db.execute(
        "SELECT (SELECT count(*) FROM friend_requests WHERE target_id = ?),"
        " (SELECT count(*) FROM friend_requests WHERE requester_id = ?)",
        (user_id, user_id),
    ).fetchone()
    return RequestCounts(*row)


def cancel_requests_between(db: sqlite3.Connection, a: int, b: int) -> int:
    """Storage.cancel_requests_between."""
    with transaction(db):
        return sum(db.execute(_DROP_REQUEST, pair).rowcount for pair in ((a, b), (b, a)))


class SQLiteFriends:
    """Storage.Friendships for SQLiteStorage, which provides `_run`."""

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError  # SQLiteStorage._run

    async def request_friend(
        self, user_id: int, target_id: int, now_ms: int, *, most: int
    ) -> RequestOutcome:
        return await self._run(lambda db: request_friend(db, user_id, target_id, now_ms, most))

    async def answer_request(self, user_id: int, requester_id: int, accept: bool) -> Contact:
        return await self._run(lambda db: answer_request(db, user_id, requester_id, accept))

    async def cancel_request(self, user_id: int, target_id: int) -> Contact:
        return await self._run(lambda db: cancel_request(db, user_id, target_id))

    async def remove_friendship(self, user_id: int, friend_id: int) -> Contact:
        return await self._run(lambda db: remove_friendship(db, user_id, friend_id))

    async def requests_in(self, user_id: int, after: int | None, limit: int) -> list[FriendRequest]:
        return await self._run(lambda db: requests(db, True, user_id, after, limit))

    async def requests_out(
        self, user_id: int, after: int | None, limit: int
    ) -> list[FriendRequest]:
        return await self._run(lambda db: requests(db, False, user_id, after, limit))

    async def request_counts(self, user_id: int) -> RequestCounts:
        return await self._run(lambda db: request_counts(db, user_id))

    async def cancel_requests_between(self, a: int, b: int) -> int:
        return await self._run(lambda db: cancel_requests_between(db, a, b))
