"""The friendships and groups of MySQLStorage.

Coroutines of an aiomysql cursor, run by MySQLStorage in its transactions (writes) or in
autocommit (reads).
"""

from __future__ import annotations

from .base import AlreadyExists, NameTaken, NoSuchGroup, NoSuchUser
from .mysql_accounts import claim_skeleton
from .mysql_pool import Cursor, conflicts
from .rows import CREATOR, NORMAL, Contact, Group, Member

_GROUPS_SQL = (
    "SELECT g.id, g.name, g.description, u.id, u.name, m.role FROM chat_groups g"
    " JOIN group_members m ON m.group_id = g.id JOIN users u ON u.id = m.user_id"
    " WHERE {} ORDER BY g.id, u.id"
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


async def friends(cur: Cursor, user_id: int) -> list[Contact]:
    """Storage.friends."""
    await cur.execute(
        "SELECT u.id, u.name FROM friends f JOIN users u ON u.id = f.friend_id"
        " WHERE f.user_id = %s ORDER BY u.id",
        (user_id,),
    )
    return [Contact(*row) for row in await cur.fetchall()]


async def create_group(
    cur: Cursor, name: str, desc: str, creator_id: int, skeleton: str | None
) -> Group:
    """Storage.create_group; the caller holds a transaction."""
    with conflicts(duplicate=NameTaken(name)):
        await cur.execute(
            "INSERT INTO chat_groups (name, description) VALUES (%s, %s)", (name, desc)
        )
        group_id = cur.lastrowid
        if skeleton is not None:
            await claim_skeleton(cur, skeleton, "group_id", group_id)
    with conflicts(missing=NoSuchUser(creator_id)):
        await cur.execute(
            "INSERT INTO group_members (group_id, user_id, role) VALUES (%s, %s, %s)",
            (group_id, creator_id, CREATOR),
        )
    return (await _groups(cur, "g.id = %s", group_id))[0]


async def join_group(cur: Cursor, group_id: int, user_id: int) -> Group:
    """Storage.join_group; the caller holds a transaction."""
    await cur.execute("SELECT 1 FROM chat_groups WHERE id = %s", (group_id,))
    if await cur.fetchone() is None:
        raise NoSuchGroup(group_id)
    already = AlreadyExists(f"{user_id} is a member of group {group_id}")
    with conflicts(duplicate=already, missing=NoSuchUser(user_id)):
        await cur.execute(
            "INSERT INTO group_members (group_id, user_id, role) VALUES (%s, %s, %s)",
            (group_id, user_id, NORMAL),
        )
    return (await _groups(cur, "g.id = %s", group_id))[0]


async def group_member_ids(cur: Cursor, group_id: int) -> list[int] | None:
    """Storage.group_member_ids."""
    await cur.execute(
        "SELECT m.user_id FROM chat_groups g LEFT JOIN group_members m"
        " ON m.group_id = g.id WHERE g.id = %s ORDER BY m.user_id",
        (group_id,),
    )
    rows = await cur.fetchall()
    return [r[0] for r in rows if r[0] is not None] if rows else None


async def groups_of(cur: Cursor, user_id: int) -> list[Group]:
    """Storage.groups_of."""
    where = "g.id IN (SELECT group_id FROM group_members WHERE user_id = %s)"
    return await _groups(cur, where, user_id)


async def _groups(cur: Cursor, where: str, value: int) -> list[Group]:
    """The groups matching `where`, with every member, ordered by group id then user id."""
    await cur.execute(_GROUPS_SQL.format(where), (value,))
    found: dict[int, tuple[str, str, list[Member]]] = {}
    for gid, name, desc, uid, uname, role in await cur.fetchall():
        found.setdefault(gid, (name, desc, []))[2].append(Member(uid, uname, role))
    return [Group(gid, name, desc, tuple(members)) for gid, (name, desc, members) in found.items()]
