"""Migration 006 on a database of the previous release (schema 005): its friendships
stay friendships, nothing waits as a request, and requests work at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatapp.server.storage import REQUESTED, Contact, RequestCounts, Storage
from chatapp.server.storage import sqlite as sqlite_module
from chatapp.server.storage.migrations import load_migrations
from chatapp.server.storage.mysql import MySQLStorage
from chatapp.server.storage.mysql_config import MySQLConfig
from chatapp.server.storage.sqlite import MIGRATIONS, SCHEMA_VERSION, SQLiteStorage
from tests.services import mysql_query

BEFORE = 5
"""The schema of the release before friend requests."""


async def befriend_on_old_schema(storage: Storage) -> tuple[int, int, int]:
    """Users a, b, c of the previous release, a and b friends (mutual rows), as it made them."""
    await storage.open()
    try:
        a, b, c = [(await storage.create_user(name, "h")).id for name in "abc"]
        await storage.add_friendship(a, b)
    finally:
        await storage.close()
    return a, b, c


async def check_upgraded(storage: Storage, a: int, b: int, c: int) -> None:
    assert await storage.friends(a, None, 10) == [Contact(b, "b")]
    assert await storage.friend_ids(b) == [a]
    for user in (a, b, c):
        assert await storage.request_counts(user) == RequestCounts(0, 0)
    assert (await storage.request_friend(c, a, 1, most=10)).state == REQUESTED
    assert await storage.answer_request(a, c, True) == Contact(c, "c")
    assert await storage.friend_ids(a) == [b, c]


async def test_a_version_5_sqlite_database_keeps_its_friendships(tmp_path: Path) -> None:
    path = str(tmp_path / "chat.db")
    old = SQLiteStorage(path)
    old_migrations = MIGRATIONS[:BEFORE]  # the previous release's only
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sqlite_module, "MIGRATIONS", old_migrations)
        patch.setattr(sqlite_module, "SCHEMA_VERSION", BEFORE)
        a, b, c = await befriend_on_old_schema(old)
    new = SQLiteStorage(path)
    await new.open()
    try:
        await check_upgraded(new, a, b, c)
    finally:
        await new.close()
    assert SCHEMA_VERSION >= 6


@pytest.mark.mysql
async def test_a_version_5_mysql_database_keeps_its_friendships(mysql_url: str) -> None:
    migrations = load_migrations()
    old = MySQLStorage(MySQLConfig.from_url(mysql_url), migrations=migrations[:BEFORE])
    a, b, c = await befriend_on_old_schema(old)
    assert mysql_query(mysql_url, "SELECT version FROM schema_version") == [(BEFORE,)]
    new = MySQLStorage.from_url(mysql_url)
    await new.open(upgrade=True)
    try:
        await check_upgraded(new, a, b, c)
    finally:
        await new.close()
    (version,) = mysql_query(mysql_url, "SELECT version FROM schema_version")[0]
    assert isinstance(version, int) and version >= 6
