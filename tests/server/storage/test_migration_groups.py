"""Migration 008 on a database of version 5, in both backends: its groups stay public with
all their history, its creators and members keep their roles, and admins become possible."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from chatapp.server.storage import (
    ADMIN,
    CREATOR,
    NORMAL,
    AlreadyExists,
    GroupProfile,
    Member,
    Membership,
    Storage,
)
from chatapp.server.storage.migrations import load_migrations
from chatapp.server.storage.mysql import MySQLStorage
from chatapp.server.storage.mysql_config import MySQLConfig
from chatapp.server.storage.sqlite import MIGRATIONS, SQLiteStorage
from tests.services import mysql_query

V5 = 5
_ROWS = (
    "INSERT INTO users (id, name, password_hash)"
    " VALUES (1, 'a', 'h'), (2, 'b', 'h'), (3, 'c', 'h')",
    "INSERT INTO friends (user_id, friend_id) VALUES (1, 2), (2, 1)",
    "INSERT INTO chat_groups (id, name, description) VALUES (7, 'team', 'old')",
    "INSERT INTO group_members (group_id, user_id, role)"
    " VALUES (7, 1, 'creator'), (7, 2, 'normal')",
)


async def check_upgraded(storage: Storage) -> None:
    """What a version-5 database made by _ROWS holds once upgraded."""
    assert await storage.group_profile(7) == GroupProfile(7, "team", "old", True, "all", 2)
    assert await storage.membership(7, 1) == Membership(CREATOR, 0, "all")
    assert await storage.membership(7, 2) == Membership(NORMAL, 0, "all")
    assert await storage.friend_ids(1) == [2]
    await storage.set_role(7, 2, ADMIN)
    assert await storage.members(7, None, 10) == [Member(1, "a", CREATOR), Member(2, "b", ADMIN)]
    assert (await storage.join_group(7, 3, joined_mid=99)).count == 3  # still public
    with pytest.raises(AlreadyExists):  # the invitations table is there, and checks
        await storage.invite(7, 1, 3, 0, max_pending=5)


async def test_a_version_5_sqlite_database_is_upgraded_with_its_groups(tmp_path: Path) -> None:
    path = tmp_path / "v5.db"
    db = sqlite3.connect(path, isolation_level=None)
    for migration in MIGRATIONS[:V5]:
        for statement in migration.statements:
            db.execute(statement)
    db.execute(f"PRAGMA user_version={V5}")
    for statement in _ROWS:
        db.execute(statement)
    db.close()
    storage = SQLiteStorage(str(path))
    await storage.open()
    try:
        await check_upgraded(storage)
    finally:
        await storage.close()
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA foreign_key_check").fetchall() == []
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    check.close()


@pytest.mark.mysql
async def test_a_version_5_mysql_database_is_upgraded_with_its_groups(mysql_url: str) -> None:
    migrations = load_migrations()
    old = MySQLStorage(MySQLConfig.from_url(mysql_url), migrations=migrations[:V5])
    await old.open()
    await old.close()
    for statement in _ROWS:
        mysql_query(mysql_url, statement)
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open(upgrade=True)
    try:
        await check_upgraded(storage)
    finally:
        await storage.close()
