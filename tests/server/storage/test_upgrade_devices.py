"""Migration 011 on a database of version 10, on both backends: each resume token becomes
a device of its own at its user's cursor, the tokens resume those devices, and the log goes
on with acknowledgements per device."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from chatapp.server.storage import (
    Device,
    DeviceAck,
    Kind,
    Pending,
    Storage,
    StoredMessage,
    User,
)
from chatapp.server.storage.migrations import load_migrations
from chatapp.server.storage.mysql import MySQLStorage
from chatapp.server.storage.mysql_config import MySQLConfig
from chatapp.server.storage.sqlite import MIGRATIONS as SQLITE_MIGRATIONS
from chatapp.server.storage.sqlite import SQLiteStorage
from tests.services import mysql_query

TEN = 10
FAR = 1 << 50
ANN, BOB, CAT = 1, 2, 3
MESSAGE = StoredMessage(1 << 40, Kind.DIRECT, BOB, "bob", ANN, "hi", "2026-12-01 12:00:00", 7)
# ann: cursor 2 of 3, two tokens; bob: one token; cat: none. Token hashes sort t-a1, t-a2,
# t-b: the devices are numbered in that order.
USERS = "INSERT INTO users (id, name, password_hash, name_fold) VALUES (?, ?, 'h', ?)"
TOKENS = "INSERT INTO resume_tokens (token_hash, user_id, expires_ms) VALUES (?, ?, ?)"
MESSAGES = (
    "INSERT INTO messages (id, kind, sender_id, sender_name, target_id, chan_lo, chan_hi, body,"
    " sent_time, ts) VALUES (?, 6, 2, 'bob', 1, 1, 2, 'hi', '2026-12-01 12:00:00', 7)"
)
ROWS: list[tuple[str, tuple[object, ...]]] = [
    *((USERS, (uid, name, name)) for uid, name in ((ANN, "ann"), (BOB, "bob"), (CAT, "cat"))),
    *((TOKENS, row) for row in (("t-b", BOB, FAR), ("t-a2", ANN, FAR), ("t-a1", ANN, FAR))),
    (MESSAGES, (MESSAGE.mid,)),
    ("INSERT INTO deliveries (user_id, seq, message_id) VALUES (?, 3, ?)", (ANN, MESSAGE.mid)),
]


async def check_upgraded(storage: Storage, before_ms: int) -> None:
    after_ms = int(time.time() * 1000) + 1000
    ann, bob = User(ANN, "ann", "h"), User(BOB, "bob", "h")
    devices = await storage.devices(ANN)
    assert [(d.id, d.name, d.acked_seq, d.address, d.legacy) for d in devices] == [
        (1, "unnamed device", 2, "", False),
        (2, "unnamed device", 2, "", False),
    ]
    assert all(before_ms <= d.created_ms == d.seen_ms <= after_ms for d in devices)
    [bobs] = await storage.devices(BOB)
    assert (bobs.id, bobs.user_id, bobs.acked_seq) == (3, BOB, 0)
    assert await storage.devices(CAT) == []
    assert await storage.device_by_token("t-a1", 0) == (ann, devices[0])
    assert await storage.device_by_token("t-a2", 0) == (ann, devices[1])
    assert await storage.device_by_token("t-b", 0) == (bob, bobs)
    # The log goes on: ann's devices both acknowledge, and her cursor rises.
    assert await storage.pending(ANN, None, 10) == Pending(2, [(3, MESSAGE)])
    acks = [DeviceAck(ANN, 1, 3), DeviceAck(ANN, 2, 3)]
    await storage.log_messages([], acks)
    assert await storage.pending(ANN, None, 10) == Pending(3, [])
    # New devices and tokens take ids after those made.
    opened = await storage.open_device(CAT, "tablet", legacy=False, now_ms=5, address="",
                                       max_devices=3)  # fmt: skip
    assert opened.device == Device(4, CAT, "tablet", 0, 5, 5)
    await storage.save_token("t-c", opened.device, FAR, 0)
    assert await storage.device_by_token("t-c", 0) == (User(CAT, "cat", "h"), opened.device)


async def test_a_version_10_sqlite_database_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "chat.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    for migration in SQLITE_MIGRATIONS[:TEN]:
        for statement in migration.statements:
            db.execute(statement)
    db.execute(f"PRAGMA user_version={TEN}")
    for sql, args in ROWS:
        db.execute(sql, args)
    db.execute("UPDATE users SET last_seq = 3, acked_seq = 2 WHERE id = ?", (ANN,))
    db.execute("COMMIT")
    db.close()
    before_ms = int(time.time() * 1000) - 1000
    storage = SQLiteStorage(str(path))
    await storage.open()
    try:
        await check_upgraded(storage, before_ms)
    finally:
        await storage.close()
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone() == (11,)
        columns = {r[1]: r[3] for r in db.execute("PRAGMA table_info(resume_tokens)")}
        assert columns["device_id"] == 1  # NOT NULL
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        db.close()


@pytest.mark.mysql
async def test_a_version_10_mysql_database_is_upgraded(mysql_url: str) -> None:
    old = MySQLStorage(MySQLConfig.from_url(mysql_url), migrations=load_migrations()[:TEN])
    await old.open()
    await old.close()
    for sql, args in ROWS:
        mysql_query(mysql_url, sql.replace("?", "%s"), *args)
    for uid, last, acked in ((ANN, 3, 2), (BOB, 0, 0), (CAT, 0, 0)):  # as create_user did
        mysql_query(mysql_url, "INSERT INTO delivery_counters VALUES (%s, %s)", uid, last)
        mysql_query(mysql_url, "INSERT INTO delivery_cursors VALUES (%s, %s)", uid, acked)
    before_ms = int(time.time() * 1000) - 1000
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open(upgrade=True)
    try:
        await check_upgraded(storage, before_ms)
    finally:
        await storage.close()
    assert mysql_query(mysql_url, "SELECT version FROM schema_version") == [(11,)]
    nullable = mysql_query(
        mysql_url,
        "SELECT is_nullable FROM information_schema.columns WHERE table_schema = DATABASE()"
        " AND table_name = 'resume_tokens' AND column_name = 'device_id'",
    )
    assert nullable == [("NO",)]
