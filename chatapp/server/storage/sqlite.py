"""SQLiteStorage: the embedded default, one file, no set-up."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from importlib.resources import files
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from . import sqlite_log
from .base import (
    AlreadyExists,
    NameTaken,
    NoSuchGroup,
    NoSuchUser,
    StorageError,
    StorageUnavailable,
)
from .migrations import load_migrations
from .rows import (
    CREATOR,
    NORMAL,
    Contact,
    Conversation,
    Group,
    Logged,
    Member,
    NewMessage,
    Pending,
    StoredMessage,
    User,
)
from .sqlite_checkpoint import Checkpointer

log = logging.getLogger(__name__)

T = TypeVar("T")

MIGRATIONS = load_migrations(files("chatapp.server.storage").joinpath("schema", "sqlite"))
SCHEMA_VERSION = MIGRATIONS[-1].version

# How long a call waits for a locked database, and its pauses between tries.
BUSY_SECONDS = 5.0
BUSY_FIRST_PAUSE = 0.0005
BUSY_LAST_PAUSE = 0.02

_MEMBERS_SQL = (
    "SELECT m.group_id, u.id, u.name, m.role FROM group_members m"
    " JOIN users u ON u.id = m.user_id WHERE m.group_id IN ({}) ORDER BY m.group_id, u.id"
)


class SQLiteStorage:
    """Storage in one SQLite file, every call run on the event loop.

    A call is a few B-tree lookups or a small transaction in WAL mode with no fsync: tens
    of microseconds, less than handing it to a thread and back costs on a small virtual
    machine (about 130 µs of CPU, and up to a GIL switch interval of waiting). Calls
    cannot interleave, so a method that writes several rows is one transaction. What does
    wait on the disk, the checkpoints with their fsyncs, runs on a thread of its own
    (sqlite_checkpoint.Checkpointer).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._checkpointer: Checkpointer | None = None

    @classmethod
    def from_url(cls, url: str) -> SQLiteStorage:
        """sqlite:///relative/or/absolute/path.db, or sqlite:///:memory:."""
        parts = urlsplit(url)
        path = unquote(parts.netloc + parts.path)
        if path.startswith("/") and not parts.netloc and path != "/:memory:":
            path = path[1:] if path.startswith("//") else path
        if path == "/:memory:":
            path = ":memory:"
        if not path:
            raise ValueError("sqlite URL needs a path, for example sqlite:///var/chatapp.db")
        return cls(path)

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Runs `fn`; while the database is locked (the Checkpointer truncating the WAL,
        or another process), tries again after a pause in which the loop serves others,
        for up to BUSY_SECONDS. `fn` is one transaction, or one statement: a try that
        found the lock taken did nothing."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BUSY_SECONDS
        pause = BUSY_FIRST_PAUSE
        while True:
            if self._db is None:
                raise StorageUnavailable("storage is closed")
            try:
                return fn(self._db)
            except StorageError:
                raise
            except sqlite3.Error as exc:
                if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_BUSY:
                    raise StorageUnavailable(f"sqlite: {exc}") from exc
                if loop.time() + pause > deadline:
                    raise StorageUnavailable(f"sqlite: locked for {BUSY_SECONDS:g} s") from exc
            await asyncio.sleep(pause)
            pause = min(pause * 2, BUSY_LAST_PAUSE)

    async def open(self, *, upgrade: bool = False) -> None:
        # The embedded database belongs to this one server, so it is upgraded in place
        # whatever `upgrade` says: the embedded default needs no set-up, ever.
        try:
            self._db = await asyncio.to_thread(self._connect)
        except sqlite3.Error as exc:
            raise StorageUnavailable(f"sqlite: cannot open {self.path}: {exc}") from exc
        if self.path != ":memory:":
            self._checkpointer = Checkpointer(self.path)
            self._checkpointer.start()

    def _connect(self) -> sqlite3.Connection:
        """Opens the file and applies what migrations it lacks (on a thread: an upgrade of
        a large database takes a while)."""
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=5000")  # while opening, on a thread
        db.execute("PRAGMA wal_autocheckpoint=0")  # the Checkpointer's work
        db.execute(f"PRAGMA journal_size_limit={64 << 20}")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            db.close()
            raise StorageError(
                f"{self.path} has schema version {version}; this chatapp knows up to "
                f"{SCHEMA_VERSION}: upgrade chatapp"
            )
        for migration in MIGRATIONS[version:]:
            log.info("%s: applying schema migration %s", self.path, migration.name)
            with _transaction(db):
                for statement in migration.statements:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version={migration.version}")
        # Locked: _run waits without blocking the loop, which busy_timeout would do.
        db.execute("PRAGMA busy_timeout=0")
        return db

    async def close(self) -> None:
        if self._checkpointer is not None:
            await asyncio.to_thread(self._checkpointer.stop)
            self._checkpointer = None
        db, self._db = self._db, None
        if db is not None:
            # The last connection to close checkpoints the WAL and removes it.
            await asyncio.to_thread(db.close)

    # --- users ---------------------------------------------------------------------

    async def create_user(self, name: str, password_hash: str) -> User:
        def insert(db: sqlite3.Connection) -> User:
            try:
                cur = db.execute(
                    "INSERT INTO users (name, password_hash) VALUES (?, ?)", (name, password_hash)
                )
            except sqlite3.IntegrityError:
                raise NameTaken(name) from None
            assert cur.lastrowid is not None
            return User(cur.lastrowid, name, password_hash)

        return await self._run(insert)

    async def _user_where(self, column: str, value: int | str) -> User | None:
        def select(db: sqlite3.Connection) -> User | None:
            row = db.execute(
                f"SELECT id, name, password_hash FROM users WHERE {column} = ?", (value,)
            ).fetchone()
            return User(*row) if row else None

        return await self._run(select)

    async def user_by_id(self, user_id: int) -> User | None:
        return await self._user_where("id", user_id)

    async def user_by_name(self, name: str) -> User | None:
        return await self._user_where("name", name)

    # --- friends -------------------------------------------------------------------

    async def add_friendship(self, user_id: int, friend_id: int) -> Contact:
        def insert(db: sqlite3.Connection) -> Contact:
            row = db.execute("SELECT id, name FROM users WHERE id = ?", (friend_id,)).fetchone()
            if row is None:
                raise NoSuchUser(friend_id)
            with _transaction(db):
                try:
                    db.executemany(
                        "INSERT INTO friends (user_id, friend_id) VALUES (?, ?)",
                        [(user_id, friend_id), (friend_id, user_id)],
                    )
                except sqlite3.IntegrityError as exc:
                    raise _refused(exc, AlreadyExists(f"{user_id}, {friend_id}: friends")) from None
            return Contact(*row)

        return await self._run(insert)

    async def friends(self, user_id: int) -> list[Contact]:
        def select(db: sqlite3.Connection) -> list[Contact]:
            rows = db.execute(
                "SELECT u.id, u.name FROM friends f JOIN users u ON u.id = f.friend_id"
                " WHERE f.user_id = ? ORDER BY u.id",
                (user_id,),
            )
            return [Contact(*row) for row in rows]

        return await self._run(select)

    # --- groups --------------------------------------------------------------------

    async def create_group(self, name: str, desc: str, creator_id: int) -> Group:
        def insert(db: sqlite3.Connection) -> Group:
            with _transaction(db):
                try:
                    cur = db.execute(
                        "INSERT INTO chat_groups (name, description) VALUES (?, ?)", (name, desc)
                    )
                except sqlite3.IntegrityError:
                    raise NameTaken(name) from None
                assert cur.lastrowid is not None
                try:
                    db.execute(
                        "INSERT INTO group_members (group_id, user_id, role) VALUES (?, ?, ?)",
                        (cur.lastrowid, creator_id, CREATOR),
                    )
                except sqlite3.IntegrityError as exc:
                    raise _refused(exc, NoSuchUser(creator_id)) from None
            return _load_groups(db, [(cur.lastrowid, name, desc)])[0]

        return await self._run(insert)

    async def join_group(self, group_id: int, user_id: int) -> Group:
        def insert(db: sqlite3.Connection) -> Group:
            row = db.execute(
                "SELECT id, name, description FROM chat_groups WHERE id = ?", (group_id,)
            ).fetchone()
            if row is None:
                raise NoSuchGroup(group_id)
            with _transaction(db):  # all or nothing, so that _run may try it again
                try:
                    db.execute(
                        "INSERT INTO group_members (group_id, user_id, role) VALUES (?, ?, ?)",
                        (group_id, user_id, NORMAL),
                    )
                except sqlite3.IntegrityError as exc:
                    raise _refused(exc, AlreadyExists(f"{user_id} in group {group_id}")) from None
                return _load_groups(db, [row])[0]

        return await self._run(insert)

    async def group_member_ids(self, group_id: int) -> list[int] | None:
        def select(db: sqlite3.Connection) -> list[int] | None:
            if db.execute("SELECT 1 FROM chat_groups WHERE id = ?", (group_id,)).fetchone():
                rows = db.execute(
                    "SELECT user_id FROM group_members WHERE group_id = ? ORDER BY user_id",
                    (group_id,),
                )
                return [r[0] for r in rows]
            return None

        return await self._run(select)

    async def groups_of(self, user_id: int) -> list[Group]:
        def select(db: sqlite3.Connection) -> list[Group]:
            rows = db.execute(
                "SELECT g.id, g.name, g.description FROM group_members m"
                " JOIN chat_groups g ON g.id = m.group_id WHERE m.user_id = ? ORDER BY g.id",
                (user_id,),
            ).fetchall()
            return _load_groups(db, rows)

        return await self._run(select)

    # --- the message log ----------------------------------------------------------

    async def log_messages(
        self, batch: Sequence[NewMessage], acks: Mapping[int, int]
    ) -> list[Logged]:
        def write(db: sqlite3.Connection) -> list[Logged]:
            with _transaction(db):
                try:
                    return sqlite_log.log_messages(db, batch, acks)
                except sqlite3.IntegrityError as exc:
                    raise _refused(exc, StorageUnavailable(f"sqlite: {exc}")) from None

        return await self._run(write)

    async def pending(self, user_id: int, after: int | None, limit: int) -> Pending:
        return await self._run(
            partial(sqlite_log.pending, user_id=user_id, after=after, limit=limit)
        )

    async def history(
        self, conversation: Conversation, before: int | None, limit: int
    ) -> list[StoredMessage]:
        return await self._run(
            partial(sqlite_log.history, conversation=conversation, before=before, limit=limit)
        )

    async def save_token(
        self,
        token_hash: str,
        user_id: int,
        expires_ms: int,
        now_ms: int,
        *,
        replacing: str | None = None,
    ) -> None:
        def write(db: sqlite3.Connection) -> None:
            with _transaction(db):
                try:
                    if replacing is not None:
                        sqlite_log.drop_token(db, replacing)
                    sqlite_log.save_token(db, token_hash, user_id, expires_ms, now_ms)
                except sqlite3.IntegrityError as exc:
                    raise _refused(exc, StorageUnavailable(f"sqlite: {exc}")) from None

        await self._run(write)

    async def user_by_token(self, token_hash: str, now_ms: int) -> User | None:
        return await self._run(
            partial(sqlite_log.user_by_token, token_hash=token_hash, now_ms=now_ms)
        )

    async def drop_token(self, token_hash: str) -> None:
        await self._run(partial(sqlite_log.drop_token, token_hash=token_hash))


def _refused(exc: sqlite3.IntegrityError, otherwise: StorageError) -> StorageError:
    """A foreign key names no user (the only reference a caller can get wrong), or else
    the constraint that `otherwise` stands for."""
    if "FOREIGN KEY" in str(exc):
        return NoSuchUser(str(exc))
    return otherwise


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when the block raises."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _load_groups(db: sqlite3.Connection, rows: Sequence[tuple[int, str, str]]) -> list[Group]:
    if not rows:
        return []
    members: dict[int, list[Member]] = {row[0]: [] for row in rows}
    placeholders = ",".join("?" * len(rows))
    for group_id, uid, name, role in db.execute(_MEMBERS_SQL.format(placeholders), list(members)):
        members[group_id].append(Member(uid, name, role))
    return [Group(gid, name, desc, tuple(members[gid])) for gid, name, desc in rows]
