"""Migration 007 on a database of the previous release (version 5): friends, groups and
waiting messages stay as they were, and blocking and message requests work on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatapp.server.storage import Kind, NewMessage, Storage, StoredMessage
from chatapp.server.storage import sqlite as sqlite_backend
from chatapp.server.storage.migrations import load_migrations
from chatapp.server.storage.mysql import MySQLStorage
from chatapp.server.storage.mysql_config import MySQLConfig
from chatapp.server.storage.sqlite import SQLiteStorage

PREVIOUS = 5
"""The schema version of the release before blocking."""


Data = tuple[int, int, int, int, StoredMessage]
"""Users a, b and c, a group, a message waiting."""


async def fill(storage: Storage) -> Data:
    """Users a, b, c: a and b friends, all in a group; a chat from a waiting for b."""
    a, b, c = [(await storage.create_user(name, "hash")).id for name in "abc"]
    await storage.add_friendship(a, b)
    group = await storage.create_group("team", "", a)
    await storage.join_group(group.id, b)
    await storage.join_group(group.id, c)
    message = StoredMessage(1 << 41, Kind.DIRECT, a, "a", b, "waiting", "t", 1)
    await storage.log_messages([NewMessage(message, (b,))], {})
    return a, b, c, group.id, message


async def check(storage: Storage, data: Data) -> None:
    a, b, c, group, waiting = data
    assert await storage.friend_ids(a) == [b]
    assert await storage.friend_ids(b) == [a]
    assert await storage.group_member_ids(group) == [a, b, c]
    assert [m for _, m in (await storage.pending(b, None, 10)).deliveries] == [waiting]
    assert await storage.blocks(a, None, 10) == []
    assert await storage.message_requests(b, None, 10, 3) == []
    assert await storage.block(a, c, most=10) is False
    assert await storage.blocked(c, a) is True
    assert await storage.friend_ids(a) == [b]  # only the friendship with the blocked ends


async def test_a_version_5_sqlite_database_is_upgraded_with_its_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(tmp_path / "chat.db")
    with monkeypatch.context() as patch:
        patch.setattr(sqlite_backend, "MIGRATIONS", sqlite_backend.MIGRATIONS[:PREVIOUS])
        patch.setattr(sqlite_backend, "SCHEMA_VERSION", PREVIOUS)
        old = SQLiteStorage(path)
        await old.open()
        data = await fill(old)
        await old.close()
    storage = SQLiteStorage(path)
    await storage.open()
    try:
        await check(storage, data)
    finally:
        await storage.close()


@pytest.mark.mysql
async def test_a_version_5_mysql_database_is_upgraded_with_its_data(mysql_url: str) -> None:
    previous = load_migrations()[:PREVIOUS]
    old = MySQLStorage(MySQLConfig.from_url(mysql_url), migrations=previous)
    await old.open()
    data = await fill(old)
    await old.close()
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open(upgrade=True)
    try:
        await check(storage, data)
    finally:
        await storage.close()
