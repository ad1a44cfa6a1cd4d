"""The friendships and group lists of SQLiteStorage (groups themselves: sqlite_groups).

Plain functions of a connection, each run by SQLiteStorage on the event loop; a function
that writes is one transaction, all or nothing, so that SQLiteStorage may try it again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from .base import AlreadyExists, NoSuchUser
from .rows import FIRST, Contact, Group, Member
from .sqlite_db import refused, transaction

_FIRST_MEMBERS_SQL = (
    "SELECT group_id, id, name, role FROM (SELECT m.group_id, u.id, u.name, m.role,"
    " ROW_NUMBER() OVER (PARTITION BY m.group_id ORDER BY m.user_id) AS n"
    " FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id IN ({}))"
    " WHERE n <= ? ORDER BY group_id, id"
)


def add_friendship(db: sqlite3.Connection, user_id: int, friend_id: int) -> Contact:
    """Storage.add_friendship."""
    row = db.execute("SELECT id, name FROM users WHERE id = ?", (friend_id,)).fetchone()
    if row is None:
        raise NoSuchUser(friend_id)
    with transaction(db):
        try:
            db.executemany(
                "INSERT INTO friends (user_id, friend_id) VALUES (?, ?)",
                [(user_id, friend_id), (friend_id, user_id)],
            )
        except sqlite3.IntegrityError as exc:
            raise refused(exc, AlreadyExists(f"{user_id}, {friend_id}: friends")) from None
    return Contact(*row)


def friends(db: sqlite3.Connection, user_id: int, after: int | None, limit: int) -> list[Contact]:
    """Storage.friends."""
    rows = db.execute(
        "SELECT u.id, u.name FROM friends f JOIN users u ON u.id = f.friend_id"
        " WHERE f.user_id = ? AND f.friend_id > ? ORDER BY f.friend_id LIMIT ?",
        (user_id, FIRST if after is None else after, limit),
    )
    return [Contact(*row) for row in rows]


def friend_ids(db: sqlite3.Connection, user_id: int) -> list[int]:
    """Storage.friend_ids."""
    rows = db.execute(
        "SELECT friend_id FROM friends WHERE user_id = ? ORDER BY friend_id", (user_id,)
    )
    return [row[0] for row in rows]


def group_member_ids(db: sqlite3.Connection, group_id: int) -> list[int] | None:
    """Storage.group_member_ids."""
    if db.execute("SELECT 1 FROM chat_groups WHERE id = ?", (group_id,)).fetchone():
        rows = db.execute(
            "SELECT user_id FROM group_members WHERE group_id = ? ORDER BY user_id",
            (group_id,),
        )
        return [r[0] for r in rows]
    return None


def groups_of(db: sqlite3.Connection, user_id: int, after: int | None, limit: int) -> list[Group]:
    """Storage.groups_of."""
    rows = db.execute(
        "SELECT g.id, g.name, g.description,"
        " (SELECT count(*) FROM group_members c WHERE c.group_id = g.id), g.is_public, g.history"
        " FROM group_members m JOIN chat_groups g ON g.id = m.group_id"
        " WHERE m.user_id = ? AND m.group_id > ? ORDER BY m.group_id LIMIT ?",
        (user_id, FIRST if after is None else after, limit),
    )
    return [Group(i, n, d, c, bool(p), h) for i, n, d, c, p, h in rows]


def members(
    db: sqlite3.Connection, group_id: int, after: int | None, limit: int
) -> list[Member] | None:
    """Storage.members."""
    if not db.execute("SELECT 1 FROM chat_groups WHERE id = ?", (group_id,)).fetchone():
        return None
    rows = db.execute(
        "SELECT u.id, u.name, m.role FROM group_members m JOIN users u ON u.id = m.user_id"
        " WHERE m.group_id = ? AND m.user_id > ? ORDER BY m.user_id LIMIT ?",
        (group_id, FIRST if after is None else after, limit),
    )
    return [Member(*row) for row in rows]


def first_members(
    db: sqlite3.Connection, group_ids: Sequence[int], limit: int
) -> dict[int, list[Member]]:
    """Storage.first_members."""
    found: dict[int, list[Member]] = {group_id: [] for group_id in group_ids}
    if found:
        sql = _FIRST_MEMBERS_SQL.format(",".join("?" * len(found)))
        for group_id, uid, name, role in db.execute(sql, [*found, limit]):
            found[group_id].append(Member(uid, name, role))
    return found
