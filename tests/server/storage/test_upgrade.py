"""A database of the release before the social model (#13), schema version 5, upgrades in
place on both backends with its friends, groups, settings and waiting messages intact, and
the social model takes it up: friendships accepted, groups public, conversations listed,
nothing blocked.

The rows are written with the SQL of that release's schema, so the test keeps meaning what
it says however the code that reads them changes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from chatapp.server.storage import (
    REQUESTED,
    Contact,
    Group,
    GroupProfile,
    Kind,
    Logged,
    Member,
    NewMessage,
    Pending,
    RequestCounts,
    Settings,
    Storage,
    StoredMessage,
    Ties,
)
from chatapp.server.storage import sqlite as sqlite_module
from chatapp.server.storage.migrations import load_migrations
from chatapp.server.storage.mysql import MySQLStorage
from chatapp.server.storage.mysql_config import MySQLConfig
from chatapp.server.storage.sqlite import SQLiteStorage
from tests.services import mysql_query

RELEASE = 5
"""The schema version of the release before #13."""

T = "2026-11-30 12:00:00"
ANN, BOB, CAT, DAN = 1, 2, 3, 4
TEAM = 1
TS = 1_764_504_000_000
DIRECT = StoredMessage(1 << 40, Kind.DIRECT, ANN, "ann", BOB, "hello bob", T, TS)
TO_TEAM = StoredMessage((1 << 40) + 1, Kind.GROUP, ANN, "ann", TEAM, "hi team", T, TS + 1)
WAITING = {BOB: [DIRECT, TO_TEAM], CAT: [TO_TEAM]}
"""What waits for each user: delivered to nobody yet."""

Run = Callable[[str, Sequence[Any]], object]


def fill(run: Run, placeholder: str, *, counters: str) -> None:
    """Writes the release's rows: four users, two friendships of ann, a group of three
    with ann its creator, dan's settings, and two messages waiting for bob and cat."""

    def insert(table: str, columns: str, *rows: Sequence[object]) -> None:
        marks = ", ".join([placeholder] * len(rows[0]))
        for row in rows:
            run(f"INSERT INTO {table} ({columns}) VALUES ({marks})", row)

    insert("users", "id, name, password_hash", *[(i, n, "h") for i, n in enumerate(NAMES, 1)])
    insert("friends", "user_id, friend_id", (ANN, BOB), (BOB, ANN), (ANN, CAT), (CAT, ANN))
    insert("chat_groups", "id, name, description", (TEAM, "team", "our team"))
    members = [(TEAM, ANN, "creator"), (TEAM, BOB, "normal"), (TEAM, CAT, "normal")]
    insert("group_members", "group_id, user_id, role", *members)
    insert("user_settings", "user_id, strangers, findable, receipts", (DAN, "nobody", 0, 0))
    columns = "id, kind, sender_id, sender_name, target_id, chan_lo, chan_hi, body, sent_time, ts"
    insert(
        "messages",
        columns,
        (DIRECT.mid, 6, ANN, "ann", BOB, ANN, BOB, DIRECT.text, T, DIRECT.ts),
        (TO_TEAM.mid, 10, ANN, "ann", TEAM, TEAM, 0, TO_TEAM.text, T, TO_TEAM.ts),
    )
    deliveries = [(uid, seq, m.mid) for uid, ms in WAITING.items() for seq, m in enumerate(ms, 1)]
    insert("deliveries", "user_id, seq, message_id", *deliveries)
    for uid, messages in WAITING.items():
        run(counters.replace("?", placeholder), (len(messages), uid))


NAMES = ("ann", "bob", "cat", "dan")


async def check_upgraded(storage: Storage) -> None:
    """Everything the release kept reads back through today's code."""
    assert await storage.friends(ANN, None, 10) == [Contact(BOB, "bob"), Contact(CAT, "cat")]
    assert await storage.friend_ids(BOB) == [ANN]
    assert await storage.friend_ids(DAN) == []
    assert await storage.groups_of(CAT, None, 10) == [Group(TEAM, "team", "our team", 3)]
    members = await storage.members(TEAM, None, 10)
    assert members is not None
    assert [(m.id, m.name) for m in members] == [(ANN, "ann"), (BOB, "bob"), (CAT, "cat")]
    assert members[0] == Member(ANN, "ann", "creator")
    assert {m.role for m in members[1:]} != {"creator"}
    assert await storage.group_member_ids(TEAM) == [ANN, BOB, CAT]
    assert await storage.settings(DAN) == Settings("nobody", False, False)
    assert await storage.settings(BOB) == Settings()
    for uid, messages in WAITING.items():
        assert await storage.pending(uid, None, 10) == Pending(0, list(enumerate(messages, 1)))
    assert await storage.history(TO_TEAM.conversation, None, 10) == [TO_TEAM]
    bob = await storage.user_by_name("bob")
    assert bob is not None and bob.id == BOB
    await check_social_model(storage)
    # The sequences go on from the release's deliveries.
    later = StoredMessage((1 << 40) + 9, Kind.GROUP, CAT, "cat", TEAM, "later", T, 0)
    logged = await storage.log_messages([NewMessage(later, (ANN, BOB))])
    assert logged == [Logged(later.mid, ((ANN, 1), (BOB, 3)))]


async def check_social_model(storage: Storage) -> None:
    """What the social model made of the release's data: friendships stay accepted with no
    request waiting, the group public with all its history, every user findable by prefix
    (dan's `findable` off kept), each conversation listed with its last message."""
    for uid in (ANN, BOB, CAT, DAN):
        assert await storage.request_counts(uid) == RequestCounts(0, 0)
    assert await storage.group_profile(TEAM) == GroupProfile(
        TEAM, "team", "our team", True, "all", 3
    )
    assert [m.joined_mid for m in [await storage.membership(TEAM, CAT)] if m] == [0]
    assert await storage.users_by_prefix("A", 10) == [Contact(ANN, "ann")]
    assert await storage.users_by_prefix("d", 10) == []
    heads = await storage.conversations(BOB, None, 10, 99)
    assert [(h.other_name, h.last, h.unread) for h in heads] == [
        ("team", TO_TEAM, 1),
        ("ann", DIRECT, 1),
    ]
    # Blocks from now on, with nothing blocked or held before: dan (strangers "nobody")
    # blocks bob, which ends no friendship of theirs and leaves ann's alone.
    assert await storage.blocks(DAN, None, 10) == []
    assert await storage.message_requests(BOB, None, 10, 3) == []
    assert await storage.ties(DAN) == Ties("nobody")
    assert await storage.block(DAN, BOB, most=10) is False
    assert await storage.blocked(BOB, DAN) is True
    assert await storage.friend_ids(BOB) == [ANN]
    # Consent from now on: dan asks, ann accepts.
    assert (await storage.request_friend(DAN, ANN, TS, most=10)).state == REQUESTED
    assert await storage.answer_request(ANN, DAN, True) == Contact(DAN, "dan")
    assert await storage.friend_ids(ANN) == [BOB, CAT, DAN]


async def test_a_sqlite_database_of_the_release_upgrades_in_place(tmp_path: Path) -> None:
    path = tmp_path / "release.db"
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("BEGIN")
        for migration in sqlite_module.MIGRATIONS[:RELEASE]:
            for statement in migration.statements:
                db.execute(statement)
        db.execute(f"PRAGMA user_version={RELEASE}")
        fill(db.execute, "?", counters="UPDATE users SET last_seq = ? WHERE id = ?")
        db.execute("COMMIT")
    finally:
        db.close()
    storage = SQLiteStorage(str(path))
    await storage.open()
    try:
        await check_upgraded(storage)
    finally:
        await storage.close()


@pytest.mark.mysql
async def test_a_mysql_database_of_the_release_upgrades_when_asked(mysql_url: str) -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations[:RELEASE]] == list(range(1, RELEASE + 1))
    release = MySQLStorage(MySQLConfig.from_url(mysql_url), migrations=migrations[:RELEASE])
    await release.open()
    await release.close()

    def run(sql: str, args: Sequence[object]) -> None:
        mysql_query(mysql_url, sql, *args)

    fill(run, "%s", counters="INSERT INTO delivery_counters (last_seq, user_id) VALUES (?, ?)")
    for table in ("delivery_counters", "delivery_cursors"):  # as the release's create_user
        run(f"INSERT IGNORE INTO {table} (user_id) SELECT id FROM users", ())
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open(upgrade=True)
    try:
        await check_upgraded(storage)
    finally:
        await storage.close()
    assert mysql_query(mysql_url, "SELECT version FROM schema_version") == [
        (migrations[-1].version,)
    ]
