"""The friendships and group lists of MySQLStorage (groups themselves: mysql_groups).

Coroutines of an aiomysql cursor, run by MySQLStorage in its transactions (writes) or in
autocommit (reads).
"""

from __future__ import annotations

from collections.abc import Sequence

from .base import AlreadyExists, NoSuchUser
from .mysql_pool import Cursor, conflicts
from .rows import FIRST, Contact, Group, Member

_FIRST_MEMBERS_SQL = (
    "SELECT group_id, id, name, role FROM (SELECT m.group_id, u.id, u.name, m.role,"
    " ROW_NUMBER() OVER (PARTITION BY m.group_id ORDER BY m.user_id) AS n"
    " FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id IN ({})) ranked"
    " WHERE n <= %s ORDER BY group_id, id"
)


async def add_friendship(cur: Cursor, user_id: int, friend_id: int) -> Contact:
    """Storage.add_friendship; the caller holds a transaction."""
    await cur.execute("SELECT id, name FROM users WHERE id = %s", (friend_id,))
    row = await cur.fetchone()
    if row is None:
        raise NoSuchUser(friend_id)
    already = AlreadyExists(f"{user_id} and {friend_id} are friends")
    with conflicts(duplicate=already, missing=NoSuchUser(user_id)):
        await cur.executemany(
            "INSERT INTO friends (user_id, friend_id) VALUES (%s, %s)",
            [(user_id, friend_id), (friend_id, user_id)],
        )
    return Contact(*row)


async def friends(cur: Cursor, user_id: int, after: int | None, limit: int) -> list[Contact]:
    """Storage.friends."""
    await cur.execute(
        "SELECT u.id, u.name FROM friends f JOIN users u ON u.id = f.friend_id"
        " WHERE f.user_id = %s AND f.friend_id > %s ORDER BY f.friend_id LIMIT %s",
        (user_id, FIRST if after is None else after, limit),
    )
    return [Contact(*row) for row in await cur.fetchall()]


async def friend_ids(cur: Cursor, user_id: int) -> list[int]:
    """Storage.friend_ids."""
    await cur.execute(
        "SELECT friend_id FROM friends WHERE user_id = %s ORDER BY friend_id", (user_id,)
    )
    return [row[0] for row in await cur.fetchall()]


async def group_member_ids(cur: Cursor, group_id: int) -> list[int] | None:
    """Storage.group_member_ids."""
    await cur.execute(
        "SELECT m.user_id FROM chat_groups g LEFT JOIN group_members m"
        " ON m.group_id = g.id WHERE g.id = %s ORDER BY m.user_id",
        (group_id,),
    )
    rows = await cur.fetchall()
    return [r[0] for r in rows if r[0] is not None] if rows else None


async def groups_of(cur: Cursor, user_id: int, after: int | None, limit: int) -> list[Group]:
    """Storage.groups_of."""
    await cur.execute(
        "SELECT g.id, g.name, g.description,"
        " (SELECT count(*) FROM group_members c WHERE c.group_id = g.id), g.is_public, g.history"
        " FROM group_members m JOIN chat_groups g ON g.id = m.group_id"
        " WHERE m.user_id = %s AND m.group_id > %s ORDER BY m.group_id LIMIT %s",
        (user_id, FIRST if after is None else after, limit),
    )
    return [Group(i, n, d, c, bool(p), h) for i, n, d, c, p, h in await cur.fetchall()]


async def members(cur: Cursor, group_id: int, after: int | None, limit: int) -> list[Member] | None:
    """Storage.members."""
    await cur.execute("SELECT 1 FROM chat_groups WHERE id = %s", (group_id,))
    if await cur.fetchone() is None:
        return None
    await cur.execute(
        "SELECT u.id, u.name, m.role FROM group_members m JOIN users u ON u.id = m.user_id"
        " WHERE m.group_id = %s AND m.user_id > %s ORDER BY m.user_id LIMIT %s",
        (group_id, FIRST if after is None else after, limit),
    )
    return [Member(*row) for row in await cur.fetchall()]


async def first_members(
    cur: Cursor, group_ids: Sequence[int], limit: int
) -> dict[int, list[Member]]:
    """Storage.first_members."""
    found: dict[int, list[Member]] = {group_id: [] for group_id in group_ids}
    if found:
        await cur.execute(_FIRST_MEMBERS_SQL.format(",".join(["%s"] * len(found))), [*found, limit])
        for group_id, uid, name, role in await cur.fetchall():
            found[group_id].append(Member(uid, name, role))
    return found
