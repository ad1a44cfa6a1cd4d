"""SQLite only: upgrading a database of an older version in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from chatapp.protocol import ChatMessage
from chatapp.server.storage import Logged, NewMessage, Pending
from chatapp.server.storage.base import conversation_of
from chatapp.server.storage.sqlite import MIGRATIONS, SCHEMA_VERSION, SQLiteStorage
from tests.storage.offline_v1 import OFFLINE_INSERT, expected_pending, offline_row, waiting


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
        assert await storage.history(conversation_of(group), None, 10) == [group]
        assert await storage.history(conversation_of(rows[0][1]), None, 10) == [rows[0][1]]
        # The sequences go on from the migrated deliveries.
        later = ChatMessage(a, "a", b, "later", "t", 1 << 41, 0)
        assert await storage.log_messages([NewMessage(later, (b, c))], {}) == [
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
