"""Backups of the embedded database taken under chat load from a running server, and their
restore: what was acknowledged before the backup began is in it, and it is whole."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import stat
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from chatapp.protocol import MsgId
from chatapp.server.storage.sqlite import SCHEMA_VERSION
from chatapp.server.storage.sqlite_backup import BackupError, backup, restore
from chatapp.tools.services import free_port
from tests.server.test_process import REPO, SERVER, ServerProcess, clean_env
from tests.wire import WireClient

PAIRS = 4
LOAD_SECONDS = 3.0
BACKUP = [sys.executable, "-m", "chatapp.server.storage.sqlite_backup"]

Start = Callable[[Path], Awaitable[ServerProcess]]


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Start]:
    """Starts a chatapp-server process on the given SQLite file; kills any left at the end."""
    started: list[ServerProcess] = []

    async def run(db: Path) -> ServerProcess:
        port = free_port()
        log = tmp_path / f"server-{len(started)}.log"
        with log.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                *SERVER, "--port", str(port), "--storage", f"sqlite:///{db}",
                "--hash-cost", "10", "--rate-limit", "0",
                "--drain-timeout", "1",  # its raw clients ignore DRAIN: keep stops quick
                cwd=REPO, env=clean_env(), stdin=asyncio.subprocess.DEVNULL,
                stdout=out, stderr=out,
            )  # fmt: skip
        server = ServerProcess(proc, port, log)
        started.append(server)
        await server.wait_ready()
        return server

    yield run
    for server in started:
        await server.close()


async def chat_until(
    client: WireClient, to: int, deadline: float, acked: list[tuple[float, int]]
) -> None:
    """Chats to `to`, one at a time, until `deadline`; notes each ACK's time and mid."""
    n = 0
    while time.monotonic() < deadline:
        n += 1
        reply = await client.request(msgid=MsgId.ONE_CHAT, toid=to, msg=f"chat {n}")
        assert reply["msgid"] == MsgId.ACK, reply
        acked.append((time.monotonic(), reply["mid"]))


async def history(client: WireClient, peer: int) -> set[int]:
    """Every mid of the conversation with `peer`, page by page."""
    mids: set[int] = set()
    before: dict[str, int] = {}
    while True:
        page = await client.request(msgid=MsgId.HISTORY, peer=peer, limit=200, **before)
        assert page["msgid"] == MsgId.ACK, page
        mids |= {m["mid"] for m in page["messages"]}
        if not page["more"]:
            return mids
        before = {"before": min(mids)}


async def test_a_backup_under_load_holds_what_was_acked_before_it_began(
    start: Start, tmp_path: Path
) -> None:
    db, copy, restored = tmp_path / "live.db", tmp_path / "backup.db", tmp_path / "new" / "r.db"
    server = await start(db)
    pairs = [(await server.register(f"s{i}"), await server.register(f"r{i}")) for i in range(PAIRS)]
    senders = [(await server.login(s))[0] for s, _ in pairs]
    acked: list[list[tuple[float, int]]] = [[] for _ in pairs]
    deadline = time.monotonic() + LOAD_SECONDS
    load = asyncio.gather(
        *(chat_until(c, r, deadline, a) for c, (_, r), a in zip(senders, pairs, acked, strict=True))
    )
    await asyncio.sleep(LOAD_SECONDS / 3)  # the load is under way: a backup now is under it
    began = time.monotonic()
    # In small steps with pauses, so that it takes a while, chats committed meanwhile.
    proc = await asyncio.create_subprocess_exec(
        *BACKUP, "backup", str(db), str(copy), "--pages", "2", "--pause", "0.01",
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await proc.communicate()
    ended = time.monotonic()
    assert proc.returncode == 0, out.decode()
    await load
    assert await server.stop(signal.SIGTERM) == 0, server.output()

    during = [mid for a in acked for t, mid in a if began < t < ended]
    assert during, "the server committed nothing while the backup ran"
    done = restore(copy, restored)
    assert done.schema_version == SCHEMA_VERSION
    with sqlite3.connect(restored) as check:
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

    second = await start(restored)
    for (sender, receiver), sent in zip(pairs, acked, strict=True):
        client, _ = await second.login(sender)
        kept = await history(client, receiver)
        assert {mid for t, mid in sent if t < began} <= kept
        # A snapshot: nothing committed after the backup ended is in it.
        assert not {mid for t, mid in sent if t > ended} & kept
    assert await second.stop(signal.SIGTERM) == 0, second.output()


async def test_restore_refuses_a_database_a_server_holds(start: Start, tmp_path: Path) -> None:
    db, copy = tmp_path / "live.db", tmp_path / "backup.db"
    server = await start(db)
    ann = await server.register("ann")
    backup(db, copy)
    bob = await server.register("bob")  # after the backup: gone once it is restored
    with pytest.raises(BackupError, match="in use"):
        restore(copy, db)
    assert await server.stop(signal.SIGTERM) == 0, server.output()

    restore(copy, db)
    assert (tmp_path / "live.db.before-restore").is_file()  # the replaced one, kept aside
    again = await start(db)
    await again.login(ann)
    client = await again.connect()
    reply = await client.request(msgid=MsgId.LOGIN, id=bob, password="pw", v=2)
    assert reply["errno"] != 0, reply


@pytest.mark.parametrize("version", [0, SCHEMA_VERSION + 1])
def test_restore_refuses_a_schema_version_it_does_not_know(tmp_path: Path, version: int) -> None:
    strange, db = tmp_path / "strange.db", tmp_path / "db.db"
    with sqlite3.connect(strange) as made:
        made.execute("CREATE TABLE t (x)")
        made.execute(f"PRAGMA user_version={version}")
    with pytest.raises(BackupError, match="schema version"):
        restore(strange, db)
    assert not db.exists()


def test_a_backup_of_no_database_fails_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="no such database"):
        backup(tmp_path / "missing.db", tmp_path / "copy.db")
    assert list(tmp_path.iterdir()) == []


def test_restore_refuses_a_damaged_backup(tmp_path: Path) -> None:
    db, copy, target = tmp_path / "db.db", tmp_path / "copy.db", tmp_path / "target.db"
    with sqlite3.connect(db) as made:
        made.execute("CREATE TABLE t (x)")
        made.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(5000)])
        made.execute("PRAGMA user_version=1")
    backup(db, copy)
    with copy.open("r+b") as damaged:
        for page in range(2, 6):  # the headers of some of the table's pages
            damaged.seek(page * 4096)
            damaged.write(b"\xff" * 64)
    with pytest.raises(BackupError):
        restore(copy, target)
    assert not target.exists()
    with pytest.raises(BackupError, match="same file"):
        backup(db, db)


@pytest.mark.usefixtures("umask_022")
def test_a_backup_and_a_restored_database_are_their_owners_alone(tmp_path: Path) -> None:
    db, copy, fresh, kept = (tmp_path / n for n in ("db.db", "copy.db", "fresh.db", "kept.db"))
    with sqlite3.connect(db) as made:
        made.execute("CREATE TABLE t (x)")
        made.execute("PRAGMA user_version=1")
    kept.touch()
    kept.chmod(0o640)  # an operator's choice for a database that exists
    backup(db, copy)
    restore(copy, fresh)
    restore(copy, kept, force=True)
    assert [stat.S_IMODE(p.stat().st_mode) for p in (copy, fresh, kept)] == [0o600, 0o600, 0o640]
