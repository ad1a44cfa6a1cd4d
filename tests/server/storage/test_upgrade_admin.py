"""Migration 010 on a database of version 9, on both backends: every account stays enabled
with its tokens, and chatapp-admin, which refused the old schema, works on the new one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from chatapp.server.storage import Storage, User
from chatapp.server.storage.migrations import load_migrations
from chatapp.server.storage.mysql import MySQLStorage
from chatapp.server.storage.mysql_config import MySQLConfig
from chatapp.server.storage.sqlite import MIGRATIONS as SQLITE_MIGRATIONS
from chatapp.server.storage.sqlite import SQLiteStorage
from tests.server.storage.acking import user_of_token
from tests.server.test_admin_cli import admin
from tests.services import mysql_query

NINE = 9
FAR = 1 << 50
FILL = (
    "INSERT INTO users (name, password_hash, name_fold) VALUES ('Ann', 'h', 'ann')",
    "INSERT INTO resume_tokens (token_hash, user_id, expires_ms) VALUES ('t', 1, 1125899906842624)",
)


async def check_upgraded(url: str, storage: Storage) -> None:
    try:
        assert await storage.user_by_id(1) == User(1, "Ann", "h", disabled=False)
        assert await user_of_token(storage, "t", 0) == User(1, "Ann", "h")
    finally:
        await storage.close()
    found = (await admin(url, "users", "find", "a", "--json")).json()
    assert found == [{"id": 1, "name": "Ann", "disabled": False}]


async def test_a_version_9_sqlite_database_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "chat.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    for migration in SQLITE_MIGRATIONS[:NINE]:
        for statement in migration.statements:
            db.execute(statement)
    db.execute(f"PRAGMA user_version={NINE}")
    for statement in FILL:
        db.execute(statement)
    db.execute("COMMIT")
    db.close()
    url = f"sqlite:///{path}"
    refused = await admin(url, "stats")
    assert refused.rc == 3 and "schema version 9; this chatapp needs 11" in refused.err
    storage = SQLiteStorage(str(path))
    await storage.open()
    await check_upgraded(url, storage)


@pytest.mark.mysql
async def test_a_version_9_mysql_database_is_upgraded(mysql_url: str) -> None:
    old = MySQLStorage(MySQLConfig.from_url(mysql_url), migrations=load_migrations()[:NINE])
    await old.open()
    await old.close()
    for statement in FILL:
        mysql_query(mysql_url, statement)
    refused = await admin(mysql_url, "stats")
    assert refused.rc == 3 and "schema version 9; this chatapp needs 11" in refused.err
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open(upgrade=True)
    await check_upgraded(mysql_url, storage)
