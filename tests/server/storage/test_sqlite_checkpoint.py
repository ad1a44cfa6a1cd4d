"""The checkpoint thread keeps SQLite's WAL short while the event loop writes."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from chatapp.server.storage.sqlite_checkpoint import Checkpointer

PAGE = 4096


def _writer(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA wal_autocheckpoint=0")  # as SQLiteStorage: checkpoints are not its job
    db.execute("PRAGMA busy_timeout=5000")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
    return db


FRAME = PAGE + 24  # a WAL frame: a page and its header
FRAMES_PER_INSERT = 4  # a leaf and an overflow page; a split now and then


class Counted(Checkpointer):
    """A Checkpointer that counts its rounds, for the test to know what a round saw."""

    rounds = 0

    def checkpoint(self, db: sqlite3.Connection) -> None:
        super().checkpoint(db)
        self.rounds += 1


def test_the_wal_stays_short_under_writes_that_never_pause(tmp_path: Path) -> None:
    """The bound the module states: max_frames, plus what was written since the round
    before the last (a round that found the WAL short truncates nothing; the next one
    does). Stated so, it holds however the thread is scheduled on a busy machine."""
    path = tmp_path / "busy.db"
    db = _writer(path)
    checkpointer = Counted(str(path), interval=0.01, max_frames=64)
    checkpointer.start()
    inserted: list[int] = [0]  # inserts done when each round was seen to end
    over: list[tuple[int, int]] = []
    shrank, last = 0, 0
    try:
        deadline = time.monotonic() + 5
        for n in range(3000):  # each transaction adds two pages or more to the WAL
            db.execute("INSERT INTO t (body) VALUES (?)", (os.urandom(PAGE),))
            while len(inserted) <= checkpointer.rounds:
                inserted.append(n + 1)
            if n % 20 == 0:  # as a busy event loop does between batches: no idle moment
                size = (path.parent / "busy.db-wal").stat().st_size
                since = n + 1 - inserted[max(0, len(inserted) - 2)]
                if size > (64 + FRAMES_PER_INSERT * since) * FRAME + 32:
                    over.append((size, since))
                shrank, last = shrank + (size < last), size
                time.sleep(0.0005)
            if time.monotonic() > deadline:
                break
    finally:
        checkpointer.stop()
    written = db.execute("SELECT count(*) FROM t").fetchone()[0]
    assert written * PAGE > 10 * (1 << 20)  # over 10 MiB went through the WAL ...
    assert over == []  # ... which never held more than the bound ...
    assert shrank >= 3  # ... as it was truncated, again and again, while writes went on
    assert checkpointer.failures == 0
    db.close()


def test_everything_written_is_in_the_database_file_after_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "copied.db"
    db = _writer(path)
    checkpointer = Checkpointer(str(path), interval=0.01)
    checkpointer.start()
    for _ in range(20):
        db.execute("INSERT INTO t (body) VALUES (?)", (b"x",))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the thread catches up within a few intervals
        busy, frames, done = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if busy == 0 and frames == done:
            break
        time.sleep(0.01)
    checkpointer.stop()
    db.close()
    # Read without the WAL: the rows are in the main file.
    reader = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == 20
    reader.close()
