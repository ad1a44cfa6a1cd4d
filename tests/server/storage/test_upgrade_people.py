"""Migration 009 on a database of version 5, as the release before it left it, on both
backends: its users are found by prefix and its logged messages make its conversations."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from chatapp.server.storage import Contact, Conversation, Kind, NewMessage, Storage, StoredMessage
from chatapp.server.storage.log_rows import insert_message, message_row
from chatapp.server.storage.migrations import load_migrations
from chatapp.server.storage.mysql import MySQLStorage
from chatapp.server.storage.mysql_config import MySQLConfig
from chatapp.server.storage.sqlite import MIGRATIONS as SQLITE_MIGRATIONS
from chatapp.server.storage.sqlite import SQLiteStorage
from tests.services import mysql_query

Execute = Callable[..., list[tuple[object, ...]]]
MID = 1 << 40
FIVE = 5


def chat(n: int, kind: Kind, sender: tuple[int, str], target: int) -> StoredMessage:
    return StoredMessage(MID + n, kind, *sender, target, f"old {n}", "2026-01-01 00:00:00", n)


def fill_version_5(execute: Execute, mark: str) -> tuple[int, int, int, int]:
    """Users Ann, bob and Cat (who may not be found by prefix), group club of Ann and Cat,
    and three messages logged: bob to Ann, Ann to bob, Cat in club."""
    for name in ("Ann", "bob", "Cat"):
        execute(f"INSERT INTO users (name, password_hash) VALUES ({mark}, 'h')", name)
    ann, bob, cat = (int(str(row[0])) for row in execute("SELECT id FROM users ORDER BY id"))
    execute(f"INSERT INTO chat_groups (name, description) VALUES ({mark}, '')", "club")
    [(club,)] = execute("SELECT id FROM chat_groups")
    group = int(str(club))
    for uid, role in ((ann, "creator"), (cat, "normal")):
        execute(
            f"INSERT INTO group_members (group_id, user_id, role) VALUES ({mark}, {mark}, {mark})",
            group, uid, role,
        )  # fmt: skip
    execute(f"INSERT INTO user_settings (user_id, findable) VALUES ({mark}, 0)", cat)
    messages = [
        chat(1, Kind.DIRECT, (bob, "bob"), ann),
        chat(2, Kind.DIRECT, (ann, "Ann"), bob),
        chat(3, Kind.GROUP, (cat, "Cat"), group),
    ]
    for message in messages:
        execute(insert_message(mark), *message_row(message, None))
    return ann, bob, cat, group


async def check_upgraded(storage: Storage, ann: int, bob: int, cat: int, group: int) -> None:
    assert await storage.users_by_prefix("AN", 5) == [Contact(ann, "Ann")]
    assert await storage.users_by_prefix("bo", 5) == [Contact(bob, "bob")]
    assert await storage.users_by_prefix("ca", 5) == []  # Cat keeps her setting
    rows = await storage.conversations(ann, None, 5, 10)
    assert [(r.conversation, r.last.mid, r.unread) for r in rows] == [
        (Conversation.group(group), MID + 3, 1),
        (Conversation.direct(ann, bob), MID + 2, 1),
    ]
    later = chat(4, Kind.DIRECT, (cat, "Cat"), ann)
    await storage.log_messages([NewMessage(later, (ann,))])
    assert [r.last for r in await storage.conversations(ann, None, 1, 10)] == [later]
    new = await storage.create_user("Annette", "h")
    assert [c.id for c in await storage.users_by_prefix("ann", 5)] == [ann, new.id]


async def test_a_version_5_sqlite_database_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "chat.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    for migration in SQLITE_MIGRATIONS[:FIVE]:
        for statement in migration.statements:
            db.execute(statement)
    db.execute(f"PRAGMA user_version={FIVE}")
    ids = fill_version_5(lambda sql, *args: db.execute(sql, args).fetchall(), "?")
    db.execute("COMMIT")
    db.close()
    storage = SQLiteStorage(str(path))
    await storage.open()
    try:
        await check_upgraded(storage, *ids)
    finally:
        await storage.close()


@pytest.mark.mysql
async def test_a_version_5_mysql_database_is_upgraded(mysql_url: str) -> None:
    old = MySQLStorage(MySQLConfig.from_url(mysql_url), migrations=load_migrations()[:FIVE])
    await old.open()
    await old.close()
    ids = fill_version_5(lambda sql, *args: mysql_query(mysql_url, sql, *args), "%s")
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open(upgrade=True)
    try:
        await check_upgraded(storage, *ids)
    finally:
        await storage.close()
