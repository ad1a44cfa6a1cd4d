"""Devices in MySQLStorage: the queries and the methods that run them (the per-device
acknowledgements of the log's batches are mysql_acks's, resume tokens mysql_tokens').

Locks are taken in one order everywhere: a user's row (FOR UPDATE where the set of their
devices changes, shared where a token is added), then devices rows in id order, then
resume tokens. The log's batch locks its recipients' delivery_counters, then (as foreign
keys check) users rows shared, then the devices it acknowledges in id order, then
delivery_cursors; device work never touches counters or cursors, and reads the devices of
a user for a cursor without locking them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from .base import NoSuchUser
from .device_rows import Device, Opened, reopened
from .mysql_pool import Cursor, Work

T = TypeVar("T")

DEVICE_COLUMNS = "id, user_id, name, acked_seq, created_ms, seen_ms, address, legacy"
_DEVICES = f"SELECT {DEVICE_COLUMNS} FROM devices WHERE user_id = %s ORDER BY id"
_BY_KEY = "FORCE INDEX (PRIMARY)"
TOUCH = f"UPDATE devices {_BY_KEY} SET seen_ms = GREATEST(seen_ms, %s), address = %s WHERE id = %s"


def device_row(row: Sequence[Any]) -> Device:
    """A Device from the DEVICE_COLUMNS of a row."""
    did, uid, name, acked, created, seen, address, legacy = row
    return Device(
        int(did), int(uid), str(name), int(acked), int(created), int(seen), str(address),
        bool(legacy),
    )  # fmt: skip


async def lock_user(cur: Cursor, user_id: int, how: str = "FOR UPDATE") -> None:
    await cur.execute(f"SELECT id FROM users WHERE id = %s {how}", (user_id,))
    if await cur.fetchone() is None:
        raise NoSuchUser(user_id)


async def _cursor(cur: Cursor, user_id: int) -> int:
    await cur.execute("SELECT acked_seq FROM delivery_cursors WHERE user_id = %s", (user_id,))
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def open_device(
    cur: Cursor,
    user_id: int,
    name: str,
    *,
    legacy: bool,
    now_ms: int,
    address: str,
    max_devices: int,
    named: bool = False,
) -> Opened:
    """Storage.open_device; the caller holds a transaction."""
    await lock_user(cur, user_id)
    await cur.execute(_DEVICES + " FOR UPDATE", (user_id,))
    mine = [device_row(row) for row in await cur.fetchall()]
    old = reopened(mine, name, legacy=legacy, named=named)
    if old is not None:
        await cur.execute(TOUCH, (now_ms, address, old.id))
        if not old.legacy:  # opened again by password: what it handed out is void
            await cur.execute("DELETE FROM resume_tokens WHERE device_id = %s", (old.id,))
        device_id = old.id
    else:
        start = max((d.acked_seq for d in mine), default=None)
        if start is None:
            start = await _cursor(cur, user_id)
        await cur.execute(
            "INSERT INTO devices (user_id, name, legacy, acked_seq, created_ms, seen_ms, address)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (user_id, name, legacy, start, now_ms, now_ms, address),
        )
        device_id = int(cur.lastrowid)
    others = [d for d in mine if d.id != device_id]
    over = max(len(others) + 1 - max_devices, 0)
    stalest = sorted(others, key=lambda d: (d.seen_ms, d.id))[:over]
    await _end(cur, sorted(d.id for d in stalest))
    await cur.execute(f"SELECT {DEVICE_COLUMNS} FROM devices WHERE id = %s", (device_id,))
    found = device_row(await cur.fetchone())
    return Opened(found, tuple(d.id for d in stalest), new=old is None)


async def _end(cur: Cursor, device_ids: Sequence[int]) -> None:
    """Deletes the devices (their rows locked already) and their tokens."""
    if device_ids:
        marks = ", ".join(["%s"] * len(device_ids))
        await cur.execute(f"DELETE FROM resume_tokens WHERE device_id IN ({marks})", device_ids)
        await cur.execute(f"DELETE FROM devices WHERE id IN ({marks})", device_ids)


async def touch_device(cur: Cursor, device_id: int, now_ms: int, address: str) -> None:
    """Storage.touch_device; the caller holds a transaction."""
    await cur.execute(TOUCH, (now_ms, address, device_id))


async def devices(cur: Cursor, user_id: int) -> list[Device]:
    """Storage.devices."""
    await cur.execute(_DEVICES, (user_id,))
    return [device_row(row) for row in await cur.fetchall()]


async def device_ids(cur: Cursor, user_id: int) -> list[int]:
    """Storage.device_ids."""
    await cur.execute("SELECT id FROM devices WHERE user_id = %s ORDER BY id", (user_id,))
    return [int(row[0]) for row in await cur.fetchall()]


async def end_devices(cur: Cursor, user_id: int, keep: int | None, only: int | None) -> list[int]:
    """Storage.end_devices, or end_device where `only` names the one to end; the caller
    holds a transaction. An unknown user has no devices."""
    await cur.execute("SELECT id FROM users WHERE id = %s FOR UPDATE", (user_id,))
    await cur.execute(
        "SELECT id FROM devices WHERE user_id = %s ORDER BY id FOR UPDATE", (user_id,)
    )
    ended = [int(r[0]) for r in await cur.fetchall() if r[0] != keep and only in (None, r[0])]
    await _end(cur, ended)
    return ended


class MySQLDevices:
    """Storage.Devices for MySQLStorage, which provides `_run`."""

    async def _run(self, work: Work[T], *, write: bool, retry: bool = True) -> T:
        raise NotImplementedError  # MySQLStorage._run

    async def open_device(
        self,
        user_id: int,
        name: str,
        *,
        legacy: bool,
        now_ms: int,
        address: str,
        max_devices: int,
        named: bool = False,
    ) -> Opened:
        def work(cur: Cursor) -> Any:
            return open_device(
                cur, user_id, name, legacy=legacy, now_ms=now_ms, address=address,
                max_devices=max_devices, named=named,
            )  # fmt: skip

        opened: Opened = await self._run(work, write=True)
        return opened

    async def touch_device(self, device_id: int, now_ms: int, address: str) -> None:
        await self._run(lambda cur: touch_device(cur, device_id, now_ms, address), write=True)

    async def devices(self, user_id: int) -> list[Device]:
        return await self._run(lambda cur: devices(cur, user_id), write=False)

    async def device_ids(self, user_id: int) -> list[int]:
        return await self._run(lambda cur: device_ids(cur, user_id), write=False)

    async def end_device(self, user_id: int, device_id: int) -> bool:
        ended = await self._run(lambda cur: end_devices(cur, user_id, None, device_id), write=True)
        return bool(ended)

    async def end_devices(self, user_id: int, keep: int | None = None) -> list[int]:
        return await self._run(lambda cur: end_devices(cur, user_id, keep, None), write=True)
