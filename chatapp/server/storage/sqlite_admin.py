"""The operator's methods of SQLiteStorage (SQLiteAdmin): admin_queries run on a connection."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from . import admin_queries as q
from .base import NoSuchGroup, NoSuchUser, NotAMember
from .base_admin import GroupReport, Stats, UserReport, tombstone_name
from .people_rows import prefix_range
from .rows import User
from .sqlite_db import transaction

T = TypeVar("T")


_USER_COUNTS = q.user_counts("(SELECT acked_seq FROM users WHERE id = ?)")


def find_users(db: sqlite3.Connection, text: str, limit: int) -> list[User]:
    """Admin.find_users."""
    rows = db.execute(q.USERS_BY_PREFIX, (*prefix_range(text), limit))
    found = {row[0]: q.user_row(row) for row in rows}
    if text.isdigit() and (row := db.execute(q.USER_BY_ID, (int(text),)).fetchone()):
        found[row[0]] = q.user_row(row)
    return [found[uid] for uid in sorted(found)]


def user_report(db: sqlite3.Connection, user_id: int, page: int) -> UserReport | None:
    """Admin.user_report."""
    row = db.execute(q.USER_BY_ID, (user_id,)).fetchone()
    if row is None:
        return None
    return q.user_report(
        q.user_row(row),
        db.execute(_USER_COUNTS, (user_id,) * q.USER_COUNTED).fetchone(),
        db.execute(q.FIRST_FRIENDS, (user_id, page)).fetchall(),
        db.execute(q.GROUPS_OF, (user_id, page)).fetchall(),
        db.execute(q.SETTINGS, (user_id,)).fetchone(),
    )


def set_disabled(db: sqlite3.Connection, user_id: int, disabled: bool) -> int:
    """Admin.set_disabled."""
    with transaction(db):
        if not db.execute(q.SET_DISABLED, (int(disabled), user_id)).rowcount:
            raise NoSuchUser(user_id)
        return _end(db, user_id) if disabled else 0


def end_sessions(db: sqlite3.Connection, user_id: int) -> int:
    """Admin.end_sessions."""
    with transaction(db):
        if db.execute(q.USER_BY_ID, (user_id,)).fetchone() is None:
            raise NoSuchUser(user_id)
        return _end(db, user_id)


def _end(db: sqlite3.Connection, user_id: int) -> int:
    """Marks the user's sessions ended and forgets their tokens and devices; returns how
    many tokens."""
    (last,) = db.execute(q.LAST_ENDED).fetchone()
    db.execute(q.SET_ENDED, (last + 1, user_id))
    dropped = int(db.execute(q.DROP_TOKENS, (user_id,)).rowcount)
    db.execute(q.DROP_DEVICES, (user_id,))
    return dropped


def ended_after(
    db: sqlite3.Connection, after: int | None, *, groups: bool = False
) -> list[tuple[int, int]]:
    """Admin.ended_after and groups_ended_after."""
    last, since = (
        (q.LAST_GROUP_ENDED, q.GROUPS_ENDED_AFTER) if groups else (q.LAST_ENDED, q.ENDED_AFTER)
    )
    if after is None:
        return [(0, int(db.execute(last).fetchone()[0]))]
    return [(int(i), int(n)) for i, n in db.execute(since, (after,))]


def delete_user(db: sqlite3.Connection, user_id: int) -> str:
    """Admin.delete_user."""
    name = tombstone_name(user_id)
    with transaction(db):
        if db.execute(q.USER_BY_ID, (user_id,)).fetchone() is None:
            raise NoSuchUser(user_id)
        for (group_id,) in db.execute(q.CREATOR_OF, (user_id,)).fetchall():
            heir = db.execute(q.SUCCESSOR, (group_id, user_id)).fetchone()
            if heir is not None:
                db.execute(q.MAKE_CREATOR, (group_id, heir[0]))
        for sql, times in q.DELETE_USER:
            db.execute(sql, (user_id,) * times)
        db.execute(q.TOMBSTONE, (name, user_id))
        db.execute(q.TOMBSTONE_SETTINGS, (user_id,))
        _end(db, user_id)
    return name


def group_id_by_name(db: sqlite3.Connection, name: str) -> int | None:
    """Admin.group_id_by_name."""
    row = db.execute("SELECT id FROM chat_groups WHERE name = ?", (name,)).fetchone()
    return int(row[0]) if row else None


def group_report(db: sqlite3.Connection, group_id: int, page: int) -> GroupReport | None:
    """Admin.group_report."""
    profile = db.execute(q.GROUP_PROFILE, (group_id,)).fetchone()
    if profile is None:
        return None
    members = db.execute(q.GROUP_MEMBERS, (group_id, page)).fetchall()
    return q.group_report(profile, members, db.execute(q.GROUP_COUNTS, (group_id,) * 2).fetchone())


def delete_group(db: sqlite3.Connection, group_id: int) -> None:
    """Admin.delete_group."""
    with transaction(db):
        if db.execute(q.GROUP_PROFILE, (group_id,)).fetchone() is None:
            raise NoSuchGroup(group_id)
        for sql in q.DELETE_GROUP:
            db.execute(sql, (group_id,))
        (last,) = db.execute(q.LAST_GROUP_ENDED).fetchone()
        db.execute(q.ADD_GROUP_ENDED, (last + 1, group_id))


def transfer_group(db: sqlite3.Connection, group_id: int, user_id: int) -> None:
    """Admin.transfer_group."""
    with transaction(db):
        if db.execute(q.GROUP_PROFILE, (group_id,)).fetchone() is None:
            raise NoSuchGroup(group_id)
        if db.execute(q.IS_MEMBER, (group_id, user_id)).fetchone() is None:
            raise NotAMember(f"{user_id} in group {group_id}")
        for sql in q.TRANSFER:
            db.execute(sql, (group_id, user_id))


class SQLiteAdmin:
    """The Admin methods of SQLiteStorage, which provides `_run`."""

    if TYPE_CHECKING:

        async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T: ...

    async def find_users(self, text: str, limit: int) -> list[User]:
        return await self._run(lambda db: find_users(db, text, limit))

    async def user_report(self, user_id: int, page: int) -> UserReport | None:
        return await self._run(lambda db: user_report(db, user_id, page))

    async def set_disabled(self, user_id: int, disabled: bool) -> int:
        return await self._run(lambda db: set_disabled(db, user_id, disabled))

    async def delete_user(self, user_id: int) -> str:
        return await self._run(lambda db: delete_user(db, user_id))

    async def end_sessions(self, user_id: int) -> int:
        return await self._run(lambda db: end_sessions(db, user_id))

    async def ended_after(self, after: int | None) -> list[tuple[int, int]]:
        return await self._run(lambda db: ended_after(db, after))

    async def groups_ended_after(self, after: int | None) -> list[tuple[int, int]]:
        return await self._run(lambda db: ended_after(db, after, groups=True))

    async def group_id_by_name(self, name: str) -> int | None:
        return await self._run(lambda db: group_id_by_name(db, name))

    async def group_report(self, group_id: int, page: int) -> GroupReport | None:
        return await self._run(lambda db: group_report(db, group_id, page))

    async def delete_group(self, group_id: int) -> None:
        await self._run(lambda db: delete_group(db, group_id))

    async def transfer_group(self, group_id: int, user_id: int) -> None:
        await self._run(lambda db: transfer_group(db, group_id, user_id))

    async def stats(self) -> Stats:
        return await self._run(lambda db: q.stats(db.execute(q.STATS).fetchone()))
