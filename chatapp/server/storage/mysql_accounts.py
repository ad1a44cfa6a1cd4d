"""The accounts of MySQLStorage: users, their passwords and settings.

Coroutines of an aiomysql cursor, run by MySQLStorage in its transactions (writes) or in
autocommit (reads).
"""

from __future__ import annotations

from .base import NameTaken, NoSuchUser
from .mysql_pool import Cursor, conflicts
from .people_rows import name_fold
from .rows import Settings, User
from .skeletons import UNCLAIMED_GROUPS, UNCLAIMED_USERS, Skeleton, skeleton_key


async def create_user(cur: Cursor, name: str, password_hash: str, skeleton: str | None) -> User:
    """Storage.create_user; the caller holds a transaction."""
    with conflicts(duplicate=NameTaken(name)):
        await cur.execute(
            "INSERT INTO users (name, password_hash, name_fold) VALUES (%s, %s, %s)",
            (name, password_hash, name_fold(name)),
        )
        user = User(cur.lastrowid, name, password_hash)
        if skeleton is not None:
            await claim_skeleton(cur, skeleton, "user_id", user.id)
    for table in ("delivery_counters", "delivery_cursors"):
        await cur.execute(f"INSERT INTO {table} (user_id) VALUES (%s)", (user.id,))
    return user


async def claim_skeleton(cur: Cursor, skeleton: str, owner: str, owner_id: int) -> None:
    """Records a name's skeleton for its user or group; a duplicate key if it is held."""
    await cur.execute(
        f"INSERT INTO name_skeletons (skeleton, {owner}) VALUES (%s, %s)",
        (skeleton_key(skeleton), owner_id),
    )


async def claim_skeletons(cur: Cursor, skeleton: Skeleton) -> int:
    """Storage.claim_skeletons; the caller holds a transaction."""
    claimed = 0
    for query, owner in ((UNCLAIMED_USERS, "user_id"), (UNCLAIMED_GROUPS, "group_id")):
        await cur.execute(query)
        for owner_id, name in await cur.fetchall():
            claimed += await cur.execute(
                # A look-alike of a name already claimed stays unclaimed: a no-op update,
                # which (unlike INSERT IGNORE) raises no warning.
                f"INSERT INTO name_skeletons (skeleton, {owner}) VALUES (%s, %s)"
                " ON DUPLICATE KEY UPDATE skeleton = skeleton",
                (skeleton_key(skeleton(name)), owner_id),
            )
    return claimed


async def set_password(cur: Cursor, user_id: int, password_hash: str) -> None:
    """Storage.set_password; the caller holds a transaction."""
    await cur.execute("UPDATE users SET password_hash = %s WHERE id = %s", (password_hash, user_id))
    await cur.execute("DELETE FROM resume_tokens WHERE user_id = %s", (user_id,))


async def user_where(cur: Cursor, condition: str, value: int | str) -> User | None:
    """Storage.user_by_id and user_by_name: the user matching `condition` on `value`."""
    await cur.execute(
        f"SELECT id, name, password_hash, disabled FROM users WHERE {condition}", (value,)
    )
    row = await cur.fetchone()
    return User(row[0], row[1], row[2], bool(row[3])) if row else None


async def settings(cur: Cursor, user_id: int) -> Settings:
    """Storage.settings."""
    await cur.execute(
        "SELECT strangers, findable, receipts FROM user_settings WHERE user_id = %s", (user_id,)
    )
    row = await cur.fetchone()
    return Settings(row[0], bool(row[1]), bool(row[2])) if row else Settings()


async def save_settings(cur: Cursor, user_id: int, settings: Settings) -> None:
    """Storage.save_settings; the caller holds a transaction."""
    with conflicts(missing=NoSuchUser(user_id)):
        await cur.execute(
            "INSERT INTO user_settings (user_id, strangers, findable, receipts)"
            " VALUES (%s, %s, %s, %s) ON DUPLICATE KEY UPDATE strangers = VALUES(strangers),"
            " findable = VALUES(findable), receipts = VALUES(receipts)",
            (user_id, settings.strangers, settings.findable, settings.receipts),
        )
