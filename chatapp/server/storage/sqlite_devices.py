"""Devices in SQLiteStorage: the queries, and the methods that run them.

SQLiteStorage takes the methods from SQLiteDevices; each runs one function of a connection
below on the event loop (a function that writes is one transaction, all or nothing).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from .base import NoSuchUser
from .device_rows import Device, DeviceAck, Opened, reopened
from .sqlite_db import transaction

T = TypeVar("T")

DEVICE_COLUMNS = "id, user_id, name, acked_seq, created_ms, seen_ms, address, legacy"
"""The columns of `devices` that `device_row` reads, in its order."""

_DEVICES = f"SELECT {DEVICE_COLUMNS} FROM devices WHERE user_id = ? ORDER BY id"
_DEVICE_IDS = "SELECT id FROM devices WHERE user_id = ? ORDER BY id"
_INSERT = (
    "INSERT INTO devices (user_id, name, legacy, acked_seq, created_ms, seen_ms, address)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_TOUCH = "UPDATE devices SET seen_ms = max(seen_ms, ?), address = ? WHERE id = ?"
_ACK = (
    "UPDATE devices SET acked_seq = max(acked_seq, ?), seen_ms = max(seen_ms, ?)"
    " WHERE id = ? AND user_id = ?"
)
# The cursor rises to the lowest position among the devices seen lately, never back; it
# stays where there are none.
_RAISE_CURSOR = (
    "UPDATE users SET acked_seq = max(acked_seq, coalesce((SELECT min(d.acked_seq)"
    " FROM devices d WHERE d.user_id = users.id AND d.seen_ms >= ?), acked_seq)) WHERE id = ?"
)
_FORGET = (
    "DELETE FROM deliveries WHERE user_id = ? AND seq <= (SELECT acked_seq FROM users WHERE id = ?)"
)


def device_row(row: Sequence[object]) -> Device:
    """A Device from the DEVICE_COLUMNS of a row."""
    did, uid, name, acked, created, seen, address, legacy = row
    assert isinstance(did, int) and isinstance(uid, int) and isinstance(name, str)
    assert isinstance(acked, int) and isinstance(created, int) and isinstance(seen, int)
    return Device(did, uid, name, acked, created, seen, str(address), bool(legacy))


def open_device(
    db: sqlite3.Connection,
    user_id: int,
    name: str,
    *,
    legacy: bool,
    now_ms: int,
    address: str,
    max_devices: int,
    named: bool = False,
) -> Opened:
    """Storage.open_device."""
    with transaction(db):
        row = db.execute("SELECT acked_seq FROM users WHERE id = ?", (user_id,)).fetchone()
        if row is None:
            raise NoSuchUser(user_id)
        mine = [device_row(r) for r in db.execute(_DEVICES, (user_id,))]
        old = reopened(mine, name, legacy=legacy, named=named)
        if old is not None:
            db.execute(_TOUCH, (now_ms, address, old.id))
            if not old.legacy:  # opened again by password: what it handed out is void
                db.execute("DELETE FROM resume_tokens WHERE device_id = ?", (old.id,))
            device_id = old.id
        else:
            start = max((d.acked_seq for d in mine), default=row[0])
            cur = db.execute(_INSERT, (user_id, name, int(legacy), start, now_ms, now_ms, address))
            assert cur.lastrowid is not None
            device_id = cur.lastrowid
        others = [d for d in mine if d.id != device_id]
        over = len(others) + 1 - max_devices
        stalest = sorted(others, key=lambda d: (d.seen_ms, d.id))[: max(over, 0)]
        for device in stalest:
            _end(db, device.id)
        found = db.execute(
            f"SELECT {DEVICE_COLUMNS} FROM devices WHERE id = ?", (device_id,)
        ).fetchone()
    return Opened(device_row(found), tuple(d.id for d in stalest), new=old is None)


def _end(db: sqlite3.Connection, device_id: int) -> None:
    db.execute("DELETE FROM resume_tokens WHERE device_id = ?", (device_id,))
    db.execute("DELETE FROM devices WHERE id = ?", (device_id,))


def touch_device(db: sqlite3.Connection, device_id: int, now_ms: int, address: str) -> None:
    """Storage.touch_device."""
    db.execute(_TOUCH, (now_ms, address, device_id))


def devices(db: sqlite3.Connection, user_id: int) -> list[Device]:
    """Storage.devices."""
    return [device_row(row) for row in db.execute(_DEVICES, (user_id,))]


def device_ids(db: sqlite3.Connection, user_id: int) -> list[int]:
    """Storage.device_ids."""
    return [row[0] for row in db.execute(_DEVICE_IDS, (user_id,))]


def end_device(db: sqlite3.Connection, user_id: int, device_id: int) -> bool:
    """Storage.end_device."""
    with transaction(db):
        found = db.execute(
            "SELECT 1 FROM devices WHERE id = ? AND user_id = ?", (device_id, user_id)
        ).fetchone()
        if found is not None:
            _end(db, device_id)
    return found is not None


def end_devices(db: sqlite3.Connection, user_id: int, keep: int | None) -> list[int]:
    """Storage.end_devices."""
    with transaction(db):
        ended = [
            int(row[0])
            for row in db.execute(
                "SELECT id FROM devices WHERE user_id = ? ORDER BY id", (user_id,)
            )
            if row[0] != keep
        ]
        for device_id in ended:
            _end(db, device_id)
    return ended


def acknowledge(
    db: sqlite3.Connection, acks: Sequence[DeviceAck], seen_ms: int, stale_ms: int
) -> None:
    """The acknowledgements of log_messages, in its transaction: the devices' positions,
    then their users' cursors, then the deliveries at or below those cursors."""
    db.executemany(_ACK, [(a.seq, seen_ms, a.device_id, a.user_id) for a in acks])
    users = sorted({a.user_id for a in acks})
    db.executemany(_RAISE_CURSOR, [(stale_ms, uid) for uid in users])
    db.executemany(_FORGET, [(uid, uid) for uid in users])


class SQLiteDevices:
    """The Devices methods of SQLiteStorage, which provides `_run`."""

    if TYPE_CHECKING:

        async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T: ...

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
        return await self._run(
            lambda db: open_device(
                db,
                user_id,
                name,
                legacy=legacy,
                now_ms=now_ms,
                address=address,
                max_devices=max_devices,
                named=named,
            )
        )

    async def touch_device(self, device_id: int, now_ms: int, address: str) -> None:
        await self._run(lambda db: touch_device(db, device_id, now_ms, address))

    async def devices(self, user_id: int) -> list[Device]:
        return await self._run(lambda db: devices(db, user_id))

    async def device_ids(self, user_id: int) -> list[int]:
        return await self._run(lambda db: device_ids(db, user_id))

    async def end_device(self, user_id: int, device_id: int) -> bool:
        return await self._run(lambda db: end_device(db, user_id, device_id))

    async def end_devices(self, user_id: int, keep: int | None = None) -> list[int]:
        return await self._run(lambda db: end_devices(db, user_id, keep))
