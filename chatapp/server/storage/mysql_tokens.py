"""Resume tokens in MySQLStorage, kept as hashes, each of one device: the queries, and the
methods that run them (MySQLTokens, which MySQLStorage extends).

Locks in mysql_devices' order: the user's row shared, then the device's row, then tokens.
"""

from __future__ import annotations

from typing import Any, TypeVar

from .base import NoSuchUser, TokenSpent
from .device_rows import Device
from .mysql_devices import DEVICE_COLUMNS, TOUCH, device_row, lock_user
from .mysql_pool import Cursor, Work, conflicts
from .rows import User

T = TypeVar("T")

# The spent token's row becomes the next one's: one statement where dropping one row and
# inserting another took two, and the device's count of tokens stays what it was.
_SWAP = (
    "UPDATE resume_tokens SET token_hash = %s, expires_ms = %s"
    " WHERE token_hash = %s AND device_id = %s"
)
_BY_TOKEN = (
    "SELECT u.id, u.name, u.password_hash, u.disabled, "
    + ", ".join(f"d.{c.strip()}" for c in DEVICE_COLUMNS.split(","))
    + " FROM resume_tokens t JOIN devices d ON d.id = t.device_id JOIN users u ON u.id = t.user_id"
    " WHERE t.token_hash = %s AND t.expires_ms > %s"
)


async def save_token(
    cur: Cursor,
    token_hash: str,
    device: Device,
    expires_ms: int,
    now_ms: int,
    *,
    replacing: str | None,
    max_tokens: int,
    seen_from: str | None,
) -> None:
    """Storage.save_token; the caller holds a transaction."""
    await lock_user(cur, device.user_id, "LOCK IN SHARE MODE")
    await cur.execute(
        "SELECT id FROM devices WHERE id = %s AND user_id = %s FOR UPDATE",
        (device.id, device.user_id),
    )
    if await cur.fetchone() is None:
        raise NoSuchUser(device.user_id)
    if seen_from is not None:
        await cur.execute(TOUCH, (now_ms, seen_from, device.id))
    with conflicts(missing=NoSuchUser(device.user_id)):
        if replacing is not None:
            # A changed key counts as an affected row, whatever else stayed the same.
            if await cur.execute(_SWAP, (token_hash, expires_ms, replacing, device.id)):
                return
            raise TokenSpent(device.user_id)  # the caller rolls the seen back
        await _make_room(cur, device, now_ms, max_tokens)
        await cur.execute(
            "INSERT INTO resume_tokens (token_hash, user_id, device_id, expires_ms)"
            " VALUES (%s, %s, %s, %s)",
            (token_hash, device.user_id, device.id, expires_ms),
        )


async def _make_room(cur: Cursor, device: Device, now_ms: int, max_tokens: int) -> None:
    """Forgets the user's expired tokens, and the device's expiring first beyond
    `max_tokens` less one."""
    await cur.execute(
        "DELETE FROM resume_tokens WHERE user_id = %s AND expires_ms <= %s",
        (device.user_id, now_ms),
    )
    await cur.execute(
        "SELECT token_hash FROM resume_tokens WHERE device_id = %s"
        " ORDER BY expires_ms DESC, token_hash",
        (device.id,),
    )
    extra = [row[0] for row in await cur.fetchall()][max(max_tokens - 1, 0) :]
    if extra:
        marks = ", ".join(["%s"] * len(extra))
        await cur.execute(f"DELETE FROM resume_tokens WHERE token_hash IN ({marks})", extra)


async def device_by_token(cur: Cursor, token_hash: str, now_ms: int) -> tuple[User, Device] | None:
    """Storage.device_by_token."""
    await cur.execute(_BY_TOKEN, (token_hash, now_ms))
    row = await cur.fetchone()
    if row is None:
        return None
    return User(row[0], row[1], row[2], bool(row[3])), device_row(row[4:])


async def drop_token(cur: Cursor, token_hash: str) -> None:
    """Storage.drop_token."""
    await cur.execute("DELETE FROM resume_tokens WHERE token_hash = %s", (token_hash,))


async def drop_tokens(cur: Cursor, user_id: int) -> int:
    """Storage.drop_tokens."""
    return int(await cur.execute("DELETE FROM resume_tokens WHERE user_id = %s", (user_id,)))


class MySQLTokens:
    """Storage.Tokens for MySQLStorage, which provides `_run`."""

    async def _run(self, work: Work[T], *, write: bool, retry: bool = True) -> T:
        raise NotImplementedError  # MySQLStorage._run

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
        def work(cur: Cursor) -> Any:
            return save_token(
                cur, token_hash, device, expires_ms, now_ms, replacing=replacing,
                max_tokens=max_tokens, seen_from=seen_from,
            )  # fmt: skip

        await self._run(work, write=True)

    async def device_by_token(self, token_hash: str, now_ms: int) -> tuple[User, Device] | None:
        return await self._run(lambda cur: device_by_token(cur, token_hash, now_ms), write=False)

    async def drop_token(self, token_hash: str) -> None:
        await self._run(lambda cur: drop_token(cur, token_hash), write=True)

    async def drop_tokens(self, user_id: int) -> int:
        return await self._run(lambda cur: drop_tokens(cur, user_id), write=True)
