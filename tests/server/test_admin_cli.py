"""chatapp-admin as a real process on each backend: what it prints, what it changes in the
tables, and its one-line refusals."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest

from chatapp.server.passwords import hash_password, verify_password
from chatapp.server.storage import Kind, NewMessage, Storage, StoredMessage, open_storage
from tests.server.storage.acking import device_of
from tests.services import mysql_query

ADMIN = [sys.executable, "-m", "chatapp.server.admin_cli"]
RUN_SECONDS = 30.0
T0 = 1_714_564_800_000
FAR = T0 + 10**12

# Every table and column that names a user, but messages.sender_id (history keeps it).
NAMING: list[tuple[str, str]] = [
    ("friends", "user_id"), ("friends", "friend_id"),
    ("friend_requests", "requester_id"), ("friend_requests", "target_id"),
    ("blocks", "user_id"), ("blocks", "blocked_id"),
    ("accepted_senders", "user_id"), ("accepted_senders", "sender_id"),
    ("held_messages", "recipient_id"), ("held_messages", "sender_id"),
    ("group_invitations", "invitee_id"), ("group_invitations", "inviter_id"),
    ("group_members", "user_id"), ("resume_tokens", "user_id"), ("read_markers", "user_id"),
    ("deliveries", "user_id"), ("name_skeletons", "user_id"), ("devices", "user_id"),
]  # fmt: skip


@dataclass
class Done:
    """A finished chatapp-admin: exit code, standard output and standard error."""

    rc: int
    out: str
    err: str

    def json(self) -> Any:
        assert self.rc == 0, self.err
        return orjson.loads(self.out)


async def admin(url: str, *argv: str, stdin: str = "") -> Done:
    """Runs chatapp-admin with CHATAPP_STORAGE=`url` and no other CHATAPP_ setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATAPP_")}
    env |= {"CHATAPP_STORAGE": url, "CHATAPP_HASH_COST": "10"}
    proc = await asyncio.create_subprocess_exec(
        *ADMIN, *argv, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(RUN_SECONDS):
        out, err = await proc.communicate(stdin.encode())
    assert proc.returncode is not None
    return Done(proc.returncode, out.decode(), err.decode())


def query(url: str, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Rows of one statement with `?` marks, read beside the tool (setup and checks only)."""
    if url.startswith("mysql:"):
        return mysql_query(url, sql.replace("?", "%s"), *args)
    with sqlite3.connect(urlsplit(url).path) as db:
        return list(db.execute(sql, args))


def rows_naming(url: str, user_id: int) -> dict[str, int]:
    """How many rows of each table name the user, leaving out the empty ones."""
    found = {}
    for table, column in NAMING:
        (count,) = query(url, f"SELECT count(*) FROM {table} WHERE {column} = ?", user_id)[0]
        if count:
            found[f"{table}.{column}"] = count
    return found


@dataclass
class World:
    url: str
    ann: int
    bob: int
    carl: int
    group: int


@pytest.fixture
async def world(storage_url: str) -> AsyncIterator[World]:
    """ann (password "pw"), friends with bob, asked by carl, in a group she created with
    bob, with a token and a chat each way with bob; the storage closed again."""
    storage: Storage = open_storage(storage_url)
    await storage.open()
    ann, bob, carl = [
        await storage.create_user(n, hash_password("pw", 10), skeleton=n)
        for n in ("ann", "bob", "carl")
    ]
    await storage.add_friendship(ann.id, bob.id)
    await storage.request_friend(carl.id, ann.id, T0, most=10)
    await storage.block(ann.id, carl.id, most=10)
    await storage.request_friend(ann.id, carl.id, T0, most=10)
    group = await storage.create_group("crew", "", ann.id, skeleton="crew")
    await storage.join_group(group.id, bob.id)
    await storage.save_token("token", await device_of(storage, ann.id), FAR, T0)
    for n, (sender, to) in enumerate([(ann, bob), (bob, ann)]):
        m = StoredMessage((1 << 41) + n, Kind.DIRECT, sender.id, sender.name, to.id, "hi",
                          "2024-05-01 12:00:00", T0 + n)  # fmt: skip
        await storage.log_messages([NewMessage(m, (to.id,), None)])
    await storage.close()
    yield World(storage_url, ann.id, bob.id, carl.id, group.id)


async def test_find_and_show(world: World) -> None:
    found = (await admin(world.url, "users", "find", "AN", "--json")).json()
    assert found == [{"id": world.ann, "name": "ann", "disabled": False}]
    by_id = await admin(world.url, "--json", "users", "find", str(world.bob))
    assert [u["name"] for u in by_id.json()] == ["bob"]
    shown = (await admin(world.url, "users", "show", "ann", "--json")).json()
    assert shown["groups"] == [{"id": world.group, "name": "crew", "role": "creator"}]
    assert shown["first_friends"] == [{"id": world.bob, "name": "bob"}]
    assert (shown["friends"], shown["requests_out"], shown["blocks"]) == (1, 1, 1)
    assert (shown["deliveries_waiting"], shown["resume_tokens"]) == (1, 1)
    table = await admin(world.url, "users", "show", str(world.ann))
    assert table.rc == 0
    assert "resume tokens       1" in table.out
    assert f"{world.group} crew creator" in table.out
    listed = await admin(world.url, "users", "find", "")
    assert listed.out.splitlines()[0].split() == ["id", "name", "disabled"]
    assert len(listed.out.splitlines()) == 4


async def test_disable_and_enable(world: World) -> None:
    done = (await admin(world.url, "users", "disable", "ann", "--json")).json()
    assert (done["disabled"], done["tokens_revoked"]) == (True, 1)
    assert query(world.url, "SELECT disabled FROM users WHERE id = ?", world.ann) == [(1,)]
    assert rows_naming(world.url, world.ann).get("resume_tokens.user_id") is None
    assert (await admin(world.url, "users", "enable", str(world.ann), "--json")).json()[
        "disabled"
    ] is False
    assert query(world.url, "SELECT disabled FROM users WHERE id = ?", world.ann) == [(0,)]


async def test_reset_password_and_end_sessions(world: World) -> None:
    done = await admin(world.url, "users", "reset-password", "ann", "--password-stdin",
                       stdin="new secret\n")  # fmt: skip
    assert done.rc == 0, done.err
    ((stored,),) = query(world.url, "SELECT password_hash FROM users WHERE id = ?", world.ann)
    assert stored.startswith("scrypt$10$") and verify_password("new secret", stored)
    assert "resume_tokens.user_id" not in rows_naming(world.url, world.ann)
    differ = await admin(world.url, "users", "reset-password", "ann", stdin="one\ntwo\n")
    # No terminal here: getpass warns that it reads standard input, then asks twice.
    assert (differ.rc, differ.err.splitlines()[-1]) == (1, "chatapp-admin: the passwords differ")
    assert "devices.user_id" in rows_naming(world.url, world.ann)  # devices stay
    query(world.url, "INSERT INTO devices (user_id, name, created_ms, seen_ms) VALUES (?, ?, 0, 0)",
          world.bob, "phone")  # fmt: skip
    ((device,),) = query(world.url, "SELECT id FROM devices WHERE user_id = ?", world.bob)
    query(world.url, "INSERT INTO resume_tokens (token_hash, user_id, device_id, expires_ms)"
          " VALUES (?, ?, ?, ?)", "t2", world.bob, device, FAR)  # fmt: skip
    ended = (await admin(world.url, "users", "end-sessions", "bob", "--json")).json()
    assert ended["tokens_revoked"] == 1
    assert "devices.user_id" not in rows_naming(world.url, world.bob)  # its devices went too


async def test_delete_takes_everything_but_sent_messages(world: World) -> None:
    unsure = await admin(world.url, "users", "delete", "ann")
    assert (unsure.rc, unsure.err.strip()) == (2, "chatapp-admin: refusing to delete without --yes")
    assert rows_naming(world.url, world.ann)
    done = (await admin(world.url, "users", "delete", "ann", "--yes", "--json")).json()
    assert done == {"id": world.ann, "name": "ann", "deleted": True,
                    "now_named": f"deleted user  #{world.ann}"}  # fmt: skip
    assert rows_naming(world.url, world.ann) == {}
    assert query(world.url, "SELECT strangers, findable FROM user_settings WHERE user_id = ?",
                 world.ann) == [("nobody", 0)]  # fmt: skip
    sent = query(world.url, "SELECT sender_name, body FROM messages WHERE sender_id = ?", world.ann)
    assert sent == [("ann", "hi")]
    assert query(world.url, "SELECT count(*) FROM messages") == [(2,)]
    assert query(world.url, "SELECT user_id, role FROM group_members WHERE group_id = ?",
                 world.group) == [(world.bob, "creator")]  # fmt: skip
    again = await admin(world.url, "users", "delete", str(world.ann), "--yes")
    assert (again.rc, again.err.strip()) == (
        1,
        f"chatapp-admin: user {world.ann} was deleted",
    )
    revived = await admin(world.url, "users", "enable", str(world.ann))
    assert revived.rc == 1 and "was deleted" in revived.err
    assert (
        await admin(world.url, "users", "show", "nobody")
    ).err.strip() == "chatapp-admin: no user 'nobody'"


async def test_groups_show_transfer_delete_and_stats(world: World) -> None:
    transferred = await admin(world.url, "groups", "transfer", "crew", "bob")
    assert transferred.rc == 0, transferred.err
    shown = (await admin(world.url, "groups", "show", str(world.group), "--json")).json()
    assert [(m["name"], m["role"]) for m in shown["first_members"]] == [
        ("bob", "creator"),
        ("ann", "admin"),
    ]
    outsider = await admin(world.url, "groups", "transfer", "crew", "carl")
    assert outsider.rc == 1 and "is not a member of group" in outsider.err
    stats = (await admin(world.url, "stats", "--json")).json()
    assert stats == {"users": 3, "groups": 1, "messages": 2, "deliveries": 2, "friend_requests": 1}
    assert (await admin(world.url, "groups", "delete", "crew")).rc == 2
    assert (await admin(world.url, "groups", "delete", "crew", "--yes")).rc == 0
    assert query(world.url, "SELECT count(*) FROM group_members") == [(0,)]
    assert (await admin(world.url, "groups", "show", "crew")).rc == 1
    assert "groups           0" in (await admin(world.url, "stats")).out


async def test_refuses_storage_it_cannot_use(tmp_path: Path) -> None:
    missing = await admin(f"sqlite:///{tmp_path}/none.db", "stats")
    assert missing.rc == 3 and missing.err.count("\n") == 1
    assert "storage unreachable" in missing.err
    assert not (tmp_path / "none.db").exists()
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as db:
        db.execute("PRAGMA user_version = 9")
    done = await admin(f"sqlite:///{old}", "users", "find", "a")
    assert done.rc == 3 and "schema version 9; this chatapp needs 11" in done.err


@pytest.mark.mysql
async def test_refuses_a_mysql_without_the_schema(mysql_url: str) -> None:
    done = await admin(mysql_url, "stats")
    assert (done.rc, done.err.count("\n")) == (3, 1)
    assert "has no chatapp schema; this chatapp needs 11" in done.err
    gone = await admin("mysql://root@127.0.0.1:1/x?connect_timeout=1", "stats")
    assert gone.rc == 3 and "storage unreachable" in gone.err


async def test_backup_and_restore_of_the_embedded_database(world: World, tmp_path: Path) -> None:
    copy, restored = tmp_path / "copy.db", tmp_path / "restored.db"
    if world.url.startswith("mysql:"):
        refused = await admin(world.url, "backup", str(copy))
        assert (refused.rc, "deploy/mysql.md" in refused.err) == (1, True), refused
        return
    made = (await admin(world.url, "--json", "backup", str(copy))).json()
    assert (made["file"], made["pages"] > 0) == (str(copy), True)
    # A running server would hold the database: with none, the restore goes ahead.
    put = (await admin(f"sqlite:///{restored}", "--json", "restore", str(copy))).json()
    assert put["schema_version"] == made["schema_version"]
    found = (await admin(f"sqlite:///{restored}", "--json", "users", "find", "ann")).json()
    assert [u["id"] for u in found] == [world.ann]
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"not a database" * 100)
    refused = await admin(f"sqlite:///{restored}", "restore", str(damaged))
    assert refused.rc == 1 and refused.err.startswith("chatapp-admin: "), refused
