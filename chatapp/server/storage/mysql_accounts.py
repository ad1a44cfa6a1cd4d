"""The accounts of MySQLStorage: users and their resume tokens.

Coroutines of an aiomysql cursor, run by MySQLStorage in its transactions (writes) or in
autocommit (reads).
"""

from __future__ import annotations

from .base import NameTaken, NoSuchUser
from .mysql_pool import Cursor, conflicts
from .rows import User


async def create_user(cur: Cursor, name: str, password_hash: str) -> User:
    """Storage.create_user; the caller holds a transaction."""
    with conflicts(duplicate=NameTaken(name)):
        await cur.execute(
            "INSERT INTO users (name, password_hash) VALUES (%s, %s)", (name, password_hash)
        )
    user = User(cur.lastrowid, name, password_hash)
    for table in ("delivery_counters", "delivery_cursors"):
        await cur.execute(f"INSERT INTO {table} (user_id) VALUES (%s)", (user.id,))
    return user


async def user_where(cur: Cursor, condition: str, value: int | str) -> User | None:
    """Storage.user_by_id and user_by_name: the user matching `condition` on `value`."""
    await cur.execute(f"SELECT id, name, password_hash FROM users WHERE {condition}", (value,))
    row = await cur.fetchone()
    return User(*row) if row else None


async def save_token(
    cur: Cursor,
    token_hash: str,
    user_id: int,
    expires_ms: int,
    now_ms: int,
    *,
    replacing: str | None,
) -> None:
    """Storage.save_token; the caller holds a transaction."""
    if replacing is not None:
        await drop_token(cur, replacing)
    with conflicts(missing=NoSuchUser(user_id)):
        await cur.execute(
            "DELETE FROM resume_tokens WHERE user_id = %s AND expires_ms <= %s", (user_id, now_ms)
        )
        await cur.execute(
            "INSERT INTO resume_tokens (token_hash, user_id, expires_ms) VALUES (%s, %s, %s)",
            (token_hash, user_id, expires_ms),
        )


async def user_by_token(cur: Cursor, token_hash: str, now_ms: int) -> User | None:
    """Storage.user_by_token."""
    await cur.execute(
        "SELECT u.id, u.name, u.password_hash FROM resume_tokens t JOIN users u"
        " ON u.id = t.user_id WHERE t.token_hash = %s AND t.expires_ms > %s",
        (token_hash, now_ms),
    )
    row = await cur.fetchone()
    return User(*row) if row else None


async def drop_token(cur: Cursor, token_hash: str) -> None:
    """Storage.drop_token."""
    await cur.execute("DELETE FROM resume_tokens WHERE token_hash = %s", (token_hash,))
