"""What SQLiteStorage's queries share: a write transaction, and its refusals as StorageErrors."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

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
