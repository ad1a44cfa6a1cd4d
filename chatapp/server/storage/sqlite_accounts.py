"""The accounts of SQLiteStorage: users, their passwords and settings.

Plain functions of a connection, each run by SQLiteStorage on the event loop.
"""

from __future__ import annotations

import sqlite3

from .base import NameTaken, StorageUnavailable
from .people_rows import name_fold
from .rows import Settings, User
from .skeletons import UNCLAIMED_GROUPS, UNCLAIMED_USERS, Skeleton, skeleton_key
from .sqlite_db import refused, transaction


def create_user(
    db: sqlite3.Connection, name: str, password_hash: str, skeleton: str | None
) -> User:
    """Storage.create_user."""
    with transaction(db):
        try:
            cur = db.execute(
                "INSERT INTO users (name, password_hash, name_fold) VALUES (?, ?, ?)",
                (name, password_hash, name_fold(name)),
            )
            assert cur.lastrowid is not None
            if skeleton is not None:
                claim_skeleton(db, skeleton, "user_id", cur.lastrowid)
        except sqlite3.IntegrityError:
            raise NameTaken(name) from None
    return User(cur.lastrowid, name, password_hash)


def claim_skeleton(db: sqlite3.Connection, skeleton: str, owner: str, owner_id: int) -> None:
    """Records a name's skeleton for its user or group; IntegrityError if it is held."""
    db.execute(
        f"INSERT INTO name_skeletons (skeleton, {owner}) VALUES (?, ?)",
        (skeleton_key(skeleton), owner_id),
    )


def claim_skeletons(db: sqlite3.Connection, skeleton: Skeleton) -> int:
    """Storage.claim_skeletons."""
    claimed = 0
    with transaction(db):
        for query, owner in ((UNCLAIMED_USERS, "user_id"), (UNCLAIMED_GROUPS, "group_id")):
            for owner_id, name in db.execute(query).fetchall():
                cur = db.execute(
                    f"INSERT OR IGNORE INTO name_skeletons (skeleton, {owner}) VALUES (?, ?)",
                    (skeleton_key(skeleton(name)), owner_id),
                )
                claimed += cur.rowcount
    return claimed


def set_password(db: sqlite3.Connection, user_id: int, password_hash: str) -> None:
    """Storage.set_password."""
    with transaction(db):
        db.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))
        db.execute("DELETE FROM resume_tokens WHERE user_id = ?", (user_id,))


def user_where(db: sqlite3.Connection, column: str, value: int | str) -> User | None:
    """Storage.user_by_id (column `id`) and user_by_name (`name`)."""
    row = db.execute(
        f"SELECT id, name, password_hash, disabled FROM users WHERE {column} = ?", (value,)
    ).fetchone()
    return User(row[0], row[1], row[2], bool(row[3])) if row else None


def settings(db: sqlite3.Connection, user_id: int) -> Settings:
    """Storage.settings."""
    row = db.execute(
        "SELECT strangers, findable, receipts FROM user_settings WHERE user_id = ?", (user_id,)
    ).fetchone()
    return Settings(row[0], bool(row[1]), bool(row[2])) if row else Settings()


def save_settings(db: sqlite3.Connection, user_id: int, settings: Settings) -> None:
    """Storage.save_settings."""
    try:
        db.execute(
            "INSERT INTO user_settings (user_id, strangers, findable, receipts)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
            " strangers = excluded.strangers, findable = excluded.findable,"
            " receipts = excluded.receipts",
            (user_id, settings.strangers, settings.findable, settings.receipts),
        )
    except sqlite3.IntegrityError as exc:
        raise refused(exc, StorageUnavailable(f"sqlite: {exc}")) from None
