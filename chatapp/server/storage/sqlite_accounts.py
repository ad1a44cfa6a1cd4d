"""The accounts of SQLiteStorage: users and their resume tokens.

Plain functions of a connection, each run by SQLiteStorage on the event loop.
"""

from __future__ import annotations

import sqlite3

from .base import NameTaken, StorageUnavailable
from .rows import User
from .sqlite_db import refused, transaction


def create_user(db: sqlite3.Connection, name: str, password_hash: str) -> User:
    """Storage.create_user."""
    try:
        cur = db.execute(
            "INSERT INTO users (name, password_hash) VALUES (?, ?)", (name, password_hash)
        )
    except sqlite3.IntegrityError:
        raise NameTaken(name) from None
    assert cur.lastrowid is not None
    return User(cur.lastrowid, name, password_hash)


def user_where(db: sqlite3.Connection, column: str, value: int | str) -> User | None:
    """Storage.user_by_id (column `id`) and user_by_name (`name`)."""
    row = db.execute(
        f"SELECT id, name, password_hash FROM users WHERE {column} = ?", (value,)
    ).fetchone()
    return User(*row) if row else None


def save_token(
    db: sqlite3.Connection,
    token_hash: str,
    user_id: int,
    expires_ms: int,
    now_ms: int,
    *,
    replacing: str | None,
) -> None:
    """Storage.save_token."""
    with transaction(db):
        try:
            if replacing is not None:
                drop_token(db, replacing)
            db.execute(
                "DELETE FROM resume_tokens WHERE user_id = ? AND expires_ms <= ?",
                (user_id, now_ms),
            )
            db.execute(
                "INSERT INTO resume_tokens (token_hash, user_id, expires_ms) VALUES (?, ?, ?)",
                (token_hash, user_id, expires_ms),
            )
        except sqlite3.IntegrityError as exc:
            raise refused(exc, StorageUnavailable(f"sqlite: {exc}")) from None


def user_by_token(db: sqlite3.Connection, token_hash: str, now_ms: int) -> User | None:
    """Storage.user_by_token."""
    row = db.execute(
        "SELECT u.id, u.name, u.password_hash FROM resume_tokens t JOIN users u"
        " ON u.id = t.user_id WHERE t.token_hash = ? AND t.expires_ms > ?",
        (token_hash, now_ms),
    ).fetchone()
    return User(*row) if row else None


def drop_token(db: sqlite3.Connection, token_hash: str) -> None:
    """Storage.drop_token."""
    db.execute("DELETE FROM resume_tokens WHERE token_hash = ?", (token_hash,))
