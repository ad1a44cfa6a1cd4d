"""Resume tokens in SQLiteStorage, kept as hashes, each of one device: the queries, and the
methods that run them (SQLiteTokens, which SQLiteStorage extends)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from .base import NoSuchUser, StorageUnavailable, TokenSpent
from .device_rows import Device
from .rows import User
from .sqlite_db import refused, transaction
from .sqlite_devices import DEVICE_COLUMNS, device_row

T = TypeVar("T")

_KNOWN = "SELECT 1 FROM devices WHERE id = ? AND user_id = ?"
_SEEN = "UPDATE devices SET seen_ms = max(seen_ms, ?), address = ? WHERE id = ? AND user_id = ?"
# The spent token's row becomes the next one's: one statement where dropping one row and
# inserting another took two, and the device's count of tokens stays what it was.
_SWAP = (
    "UPDATE resume_tokens SET token_hash = ?, expires_ms = ? WHERE token_hash = ? AND device_id = ?"
)
_EXPIRED = "DELETE FROM resume_tokens WHERE user_id = ? AND expires_ms <= ?"
# Room for a new one: the device's tokens expiring first go.
_ROOM = (
    "DELETE FROM resume_tokens WHERE token_hash IN (SELECT token_hash FROM resume_tokens"
    " WHERE device_id = ? ORDER BY expires_ms DESC, token_hash LIMIT -1 OFFSET ?)"
)
_INSERT = (
    "INSERT INTO resume_tokens (token_hash, user_id, device_id, expires_ms) VALUES (?, ?, ?, ?)"
)
_BY_TOKEN = (
    "SELECT u.id, u.name, u.password_hash, u.disabled, "
    + ", ".join(f"d.{c.strip()}" for c in DEVICE_COLUMNS.split(","))
    + " FROM resume_tokens t JOIN devices d ON d.id = t.device_id JOIN users u ON u.id = t.user_id"
    " WHERE t.token_hash = ? AND t.expires_ms > ?"
)


def save_token(
    db: sqlite3.Connection,
    token_hash: str,
    device: Device,
    expires_ms: int,
    now_ms: int,
    *,
    replacing: str | None,
    max_tokens: int,
    seen_from: str | None,
) -> None:
    """Storage.save_token."""
    with transaction(db):
        if seen_from is not None:  # the device seen now, and known to exist, in one
            known = db.execute(_SEEN, (now_ms, seen_from, device.id, device.user_id)).rowcount
        else:
            known = db.execute(_KNOWN, (device.id, device.user_id)).fetchone() is not None
        if not known:
            raise NoSuchUser(device.user_id)
        try:
            if replacing is not None:
                swap = (token_hash, expires_ms, replacing, device.id)
                if db.execute(_SWAP, swap).rowcount:
                    return
                raise TokenSpent(device.user_id)  # the transaction rolls the seen back
            db.execute(_EXPIRED, (device.user_id, now_ms))
            db.execute(_ROOM, (device.id, max(max_tokens - 1, 0)))
            db.execute(_INSERT, (token_hash, device.user_id, device.id, expires_ms))
        except sqlite3.IntegrityError as exc:
            raise refused(exc, StorageUnavailable(f"sqlite: {exc}")) from None


def device_by_token(
    db: sqlite3.Connection, token_hash: str, now_ms: int
) -> tuple[User, Device] | None:
    """Storage.device_by_token."""
    row = db.execute(_BY_TOKEN, (token_hash, now_ms)).fetchone()
    if row is None:
        return None
    return User(row[0], row[1], row[2], bool(row[3])), device_row(row[4:])


def drop_token(db: sqlite3.Connection, token_hash: str) -> None:
    """Storage.drop_token."""
    db.execute("DELETE FROM resume_tokens WHERE token_hash = ?", (token_hash,))


def drop_tokens(db: sqlite3.Connection, user_id: int) -> int:
    """Storage.drop_tokens."""
    return db.execute("DELETE FROM resume_tokens WHERE user_id = ?", (user_id,)).rowcount


class SQLiteTokens:
    """The Tokens methods of SQLiteStorage, which provides `_run`."""

    if TYPE_CHECKING:

        async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T: ...

    async def save_token(
        self,
        token_hash: str,
        device: Device,
        expires_ms: int,
        now_ms: int,
        *,
        replacing: str | None = None,
        max_tokens: int = 4,
        seen_from: str | None = None,
    ) -> None:
        await self._run(
            lambda db: save_token(
                db,
                token_hash,
                device,
                expires_ms,
                now_ms,
                replacing=replacing,
                max_tokens=max_tokens,
                seen_from=seen_from,
            )
        )

    async def device_by_token(self, token_hash: str, now_ms: int) -> tuple[User, Device] | None:
        return await self._run(lambda db: device_by_token(db, token_hash, now_ms))

    async def drop_token(self, token_hash: str) -> None:
        await self._run(lambda db: drop_token(db, token_hash))

    async def drop_tokens(self, user_id: int) -> int:
        return await self._run(lambda db: drop_tokens(db, user_id))
