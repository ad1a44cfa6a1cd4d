"""SQLiteStorage: the embedded default, one file, no set-up."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from chatapp.protocol import Chat

from .base import (
    CREATOR,
    NORMAL,
    AlreadyExists,
    Contact,
    Group,
    Member,
    NameTaken,
    NoSuchGroup,
    NoSuchUser,
    StorageError,
    StorageUnavailable,
    User,
    chat_columns,
    chat_from_columns,
)

T = TypeVar("T")

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS friends (
    user_id INTEGER NOT NULL REFERENCES users(id),
    friend_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (user_id, friend_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS chat_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS group_members (
    group_id INTEGER NOT NULL REFERENCES chat_groups(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    role TEXT NOT NULL CHECK (role IN ('creator', 'normal')),
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS group_members_by_user ON group_members (user_id, group_id);
CREATE TABLE IF NOT EXISTS offline_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind INTEGER NOT NULL,
    sender_id INTEGER NOT NULL,
    sender_name TEXT NOT NULL,
    target_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    sent_time TEXT NOT NULL,
    mid INTEGER NOT NULL,
    ts INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS offline_messages_by_user ON offline_messages (user_id, id);
"""

_MEMBERS_SQL = (
    "SELECT m.group_id, u.id, u.name, m.role FROM group_members m"
    " JOIN users u ON u.id = m.user_id WHERE m.group_id IN ({}) ORDER BY m.group_id, u.id"
)
_CHAT_COLUMNS = "kind, sender_id, sender_name, target_id, body, sent_time, mid, ts"


class SQLiteStorage:
    """Storage in one SQLite file, every call run in order on one private thread.

    One thread owns the connection, so calls never interleave and a method that writes
    several rows is one transaction; the event loop never waits on the disk.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chatapp-sqlite")

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
        def call() -> T:
            if self._db is None:
                raise StorageUnavailable("storage is closed")
            try:
                return fn(self._db)
            except StorageError:
                raise
            except sqlite3.Error as exc:
                raise StorageUnavailable(f"sqlite: {exc}") from exc

        return await asyncio.get_running_loop().run_in_executor(self._thread, call)

    async def open(self, *, upgrade: bool = False) -> None:
        # The embedded database belongs to this one server, so it is upgraded in place
        # whatever `upgrade` says: the embedded default needs no set-up, ever.
        def connect() -> None:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA busy_timeout=5000")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                db.close()
                raise StorageError(
                    f"{self.path} has schema version {version}; this chatapp knows up to "
                    f"{SCHEMA_VERSION}: upgrade chatapp"
                )

            db.executescript(SCHEMA)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self._db = db

        try:
            await asyncio.get_running_loop().run_in_executor(self._thread, connect)
        except sqlite3.Error as exc:
            raise StorageUnavailable(f"sqlite: cannot open {self.path}: {exc}") from exc

    async def close(self) -> None:
        def disconnect() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        await asyncio.get_running_loop().run_in_executor(self._thread, disconnect)
        self._thread.shutdown(wait=True)

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

    # --- offline messages ----------------------------------------------------------

    async def store_offline(self, user_ids: Sequence[int], message: Chat) -> None:
        columns = chat_columns(message)

        def insert(db: sqlite3.Connection) -> None:
            with _transaction(db):
                try:
                    db.executemany(
                        f"INSERT INTO offline_messages (user_id, {_CHAT_COLUMNS})"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [(uid, *columns) for uid in user_ids],
                    )
                except sqlite3.IntegrityError as exc:
                    raise _refused(exc, NoSuchUser(list(user_ids))) from None

        await self._run(insert)

    async def take_offline(self, user_id: int) -> list[Chat]:
        def take(db: sqlite3.Connection) -> list[Chat]:
            with _transaction(db):
                rows = db.execute(
                    f"SELECT id, {_CHAT_COLUMNS} FROM offline_messages"
                    " WHERE user_id = ? ORDER BY id",
                    (user_id,),
                ).fetchall()
                if rows:
                    db.execute(
                        "DELETE FROM offline_messages WHERE user_id = ? AND id <= ?",
                        (user_id, rows[-1][0]),
                    )
            return [chat_from_columns(row[1:]) for row in rows]

        return await self._run(take)


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
