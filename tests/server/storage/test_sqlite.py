"""SQLite only: upgrading a database of an older version in place; a locked database; a new
database file readable by its owner alone."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
from pathlib import Path

import pytest

from chatapp.server.storage import (
    Kind,
    Logged,
    NewMessage,
    Pending,
    StorageUnavailable,
    StoredMessage,
)
from chatapp.server.storage import sqlite as sqlite_module
from chatapp.server.storage.sqlite import MIGRATIONS, SCHEMA_VERSION, SQLiteStorage
from tests.server.storage.offline_v1 import OFFLINE_INSERT, expected_pending, offline_row, waiting


def make_v1(path: Path) -> tuple[int, int, int]:
    """A version-1 database with users a, b, c and messages waiting for them."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("BEGIN")
        for statement in MIGRATIONS[0].statements:
            db.execute(statement)
        db.execute("PRAGMA user_version=1")
        ids = []
        for name in "abc":
            cur = db.execute("INSERT INTO users (name, password_hash) VALUES (?, 'h')", (name,))
            assert cur.lastrowid is not None
            ids.append(cur.lastrowid)
        a, b, c = ids
        db.executemany(
            OFFLINE_INSERT.format("?"), [offline_row(uid, m) for uid, m in waiting(a, b, c)]
        )
        db.execute("COMMIT")
    finally:
        db.close()
    return a, b, c


async def test_a_version_1_database_is_upgraded_with_its_waiting_messages(tmp_path: Path) -> None:
    path = tmp_path / "chat.db"
    a, b, c = make_v1(path)
    rows = waiting(a, b, c)
    storage = SQLiteStorage(str(path))
    await storage.open()
    try:
        for uid in (a, b, c):
            assert await storage.pending(uid, None, 10) == Pending(0, expected_pending(rows, uid))
        group = rows[1][1]
        assert await storage.history(group.conversation, None, 10) == [group]
        assert await storage.history(rows[0][1].conversation, None, 10) == [rows[0][1]]
        # The sequences go on from the migrated deliveries.
        later = StoredMessage(1 << 41, Kind.DIRECT, a, "a", b, "later", "t", 0)
        assert await storage.log_messages([NewMessage(later, (b, c))]) == [
            Logged(later.mid, ((b, 4), (c, 3)))
        ]
    finally:
        await storage.close()
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "offline_messages" not in tables
    finally:
        db.close()


async def test_a_locked_database_is_waited_for_without_blocking_the_loop(tmp_path: Path) -> None:
    storage = SQLiteStorage(str(tmp_path / "locked.db"))
    await storage.open()
    other = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # as the Checkpointer's TRUNCATE holds the writer lock
        loop = asyncio.get_running_loop()
        loop.call_later(0.2, other.execute, "COMMIT")
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        started = loop.time()
        user = await storage.create_user("patient", "hash")
        waited = loop.time() - started
        ticker.cancel()
        assert await storage.user_by_id(user.id) == user
        assert waited >= 0.15  # it did wait for the lock ...
        assert ticks >= 5  # ... while the loop went on serving others
    finally:
        other.close()
        await storage.close()


async def test_a_database_locked_for_too_long_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_module, "BUSY_SECONDS", 0.1)
    storage = SQLiteStorage(str(tmp_path / "stuck.db"))
    await storage.open()
    other = sqlite3.connect(tmp_path / "stuck.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageUnavailable, match="locked"):
            await storage.create_user("impatient", "hash")
        other.execute("ROLLBACK")
        assert (await storage.create_user("impatient", "hash")).name == "impatient"
    finally:
        other.close()
        await storage.close()


@pytest.mark.usefixtures("umask_022")
async def test_a_new_database_is_its_owners_alone(tmp_path: Path) -> None:
    path = tmp_path / "made" / "here" / "chatapp.db"
    storage = SQLiteStorage(str(path))
    await storage.open()
    try:
        await storage.create_user("private", "hash")  # the WAL has frames
        assert mode(path.parent) == 0o700
        for name in ("chatapp.db", "chatapp.db-wal", "chatapp.db-shm"):
            assert mode(path.parent / name) == 0o600, name
    finally:
        await storage.close()


@pytest.mark.usefixtures("umask_022")
async def test_an_existing_database_keeps_the_mode_its_operator_gave_it(tmp_path: Path) -> None:
    (tmp_path / "srv").mkdir(mode=0o755)
    path = tmp_path / "srv" / "shared.db"
    path.touch()
    path.chmod(0o640)
    storage = SQLiteStorage(str(path))
    await storage.open()
    await storage.close()
    assert mode(path) == 0o640 and mode(path.parent) == 0o755


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)
