"""What SQLiteStorage's queries share: a write transaction, and its refusals as StorageErrors;
the message log's own connection; a new database file its owner's alone."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .base import NoSuchUser, StorageError


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when the block raises."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def refused(exc: sqlite3.IntegrityError, otherwise: StorageError) -> StorageError:
    """A foreign key names no user (the only reference a caller can get wrong), or else
    the constraint that `otherwise` stands for."""
    if "FOREIGN KEY" in str(exc):
        return NoSuchUser(str(exc))
    return otherwise


def connect_log(path: str) -> sqlite3.Connection:
    """A second connection to the database (in WAL mode already) for the message log's
    batches, without SQLite's foreign-key checks: sqlite_log checks its own, and SQLite's
    cost each chat three lookups, a fifth of the log's work. The pragma cannot be switched
    per batch: switching it makes SQLite compile every statement again. Both connections
    are used on the event loop, one call at a time, so neither waits for the other."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=OFF")
    db.execute("PRAGMA wal_autocheckpoint=0")  # the Checkpointer's work
    db.execute("PRAGMA busy_timeout=0")  # locked: SQLiteStorage._run waits, not the loop
    return db


def create_private(path: str | Path) -> None:
    """Makes the file at `path` for its owner alone (0600), and its directory (0700), where
    they do not exist yet; an existing one keeps its mode, as its operator set it. The file
    holds every message, password hash and address: other users of the machine have no
    business reading it. SQLite gives the -wal and -shm files the database file's mode."""
    target = Path(path)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(target, os.O_RDWR | os.O_CREAT, 0o600))
