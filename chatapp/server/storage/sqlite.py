"""SQLiteStorage: the embedded default, one file, no set-up."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Sequence
from importlib.resources import files
from typing import TypeVar
from urllib.parse import quote, unquote, urlsplit

from . import sqlite_accounts, sqlite_log, sqlite_people, sqlite_social
from .base import StorageError, StorageUnavailable
from .device_rows import DeviceAck
from .migrations import load_migrations
from .people_rows import NAME_FOLDS, ConversationRow
from .rows import (
    Contact,
    Conversation,
    Group,
    Logged,
    Member,
    NewMessage,
    Pending,
    Settings,
    StoredMessage,
    User,
)
from .skeletons import Skeleton
from .sqlite_admin import SQLiteAdmin
from .sqlite_blocks import SQLiteBlocks
from .sqlite_checkpoint import Checkpointer
from .sqlite_db import connect_log, create_private, transaction
from .sqlite_devices import SQLiteDevices
from .sqlite_friends import SQLiteFriends
from .sqlite_roles import SQLiteGroupRoles
from .sqlite_tokens import SQLiteTokens

log = logging.getLogger(__name__)

T = TypeVar("T")

MIGRATIONS = load_migrations(files("chatapp.server.storage").joinpath("schema", "sqlite"))
SCHEMA_VERSION = MIGRATIONS[-1].version

# How long a call waits for a locked database, and its pauses between tries.
BUSY_SECONDS = 5.0
BUSY_FIRST_PAUSE = 0.0005
BUSY_LAST_PAUSE = 0.02


class SQLiteStorage(
    SQLiteFriends, SQLiteGroupRoles, SQLiteBlocks, SQLiteDevices, SQLiteTokens, SQLiteAdmin
):
    """Storage in one SQLite file, every call run on the event loop.

    A call is a few B-tree lookups or a small transaction in WAL mode with no fsync: tens
    of microseconds, less than handing it to a thread and back costs on a small virtual
    machine (about 130 µs of CPU, and up to a GIL switch interval of waiting). Calls
    cannot interleave, so a method that writes several rows is one transaction. What does
    wait on the disk, the checkpoints with their fsyncs, runs on a thread of its own
    (sqlite_checkpoint.Checkpointer). The message log's batches have a connection of
    their own, which leaves the foreign keys to the log (sqlite_db.connect_log); a file's
    other calls share one that checks them. The queries are functions of a connection, by
    concern: sqlite_accounts, sqlite_social, sqlite_log; friend requests are SQLiteFriends's,
    groups with roles SQLiteGroupRoles's (sqlite_groups), blocking and message requests
    SQLiteBlocks's (sqlite_blocks), devices SQLiteDevices's (sqlite_devices), resume
    tokens SQLiteTokens's (sqlite_tokens), the operator's SQLiteAdmin's (sqlite_admin).
    """

    def __init__(self, path: str, *, existing: bool = False) -> None:
        self.path = path
        # chatapp-admin's: open only a file that exists at the current schema, never
        # create or upgrade one behind the server's back.
        self.existing = existing
        self._db: sqlite3.Connection | None = None
        self._log_db: sqlite3.Connection | None = None  # the log's (sqlite_db.connect_log)
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
        deadline = None  # from the first try that found the lock taken: most never do
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
                now = asyncio.get_running_loop().time()
                deadline = now + BUSY_SECONDS if deadline is None else deadline
                if now + pause > deadline:
                    raise StorageUnavailable(f"sqlite: locked for {BUSY_SECONDS:g} s") from exc
            await asyncio.sleep(pause)
            pause = min(pause * 2, BUSY_LAST_PAUSE)

    # --- Lifecycle -----------------------------------------------------------------

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
            if not self.existing:  # a second ":memory:" would be another database
                self._log_db = await asyncio.to_thread(connect_log, self.path)

    def _connect(self) -> sqlite3.Connection:
        """Opens the file and applies what migrations it lacks (on a thread: an upgrade of
        a large database takes a while)."""
        if self.existing:
            return self._connect_existing()
        if self.path != ":memory:":
            create_private(self.path)
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
            with transaction(db):
                for statement in migration.statements:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version={migration.version}")
        if db.execute("PRAGMA user_version").fetchone()[0] >= NAME_FOLDS:
            sqlite_people.fold_names(db)
        # Locked: _run waits without blocking the loop, which busy_timeout would do.
        db.execute("PRAGMA busy_timeout=0")
        return db

    def _connect_existing(self) -> sqlite3.Connection:
        """Opens the file only if it exists and holds the current schema."""
        uri = f"file:{quote(self.path)}?mode=rw"
        db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA foreign_keys=ON")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            db.close()
            raise StorageError(
                f"{self.path} has schema version {version}; this chatapp needs "
                f"{SCHEMA_VERSION}: start the server of this version on it first"
            )
        return db

    async def close(self) -> None:
        if self._checkpointer is not None:
            await asyncio.to_thread(self._checkpointer.stop)
            self._checkpointer = None
        db, self._db = self._db, None
        if self._log_db is not None:
            await asyncio.to_thread(self._log_db.close)
            self._log_db = None
        if db is not None:
            # The last connection to close checkpoints the WAL and removes it.
            await asyncio.to_thread(db.close)

    async def ping(self) -> None:
        await self._run(lambda db: db.execute("SELECT 1").fetchall())

    # --- Accounts ------------------------------------------------------------------

    async def create_user(
        self, name: str, password_hash: str, *, skeleton: str | None = None
    ) -> User:
        return await self._run(
            lambda db: sqlite_accounts.create_user(db, name, password_hash, skeleton)
        )

    async def user_by_id(self, user_id: int) -> User | None:
        return await self._run(lambda db: sqlite_accounts.user_where(db, "id", user_id))

    async def user_by_name(self, name: str) -> User | None:
        return await self._run(lambda db: sqlite_accounts.user_where(db, "name", name))

    async def settings(self, user_id: int) -> Settings:
        return await self._run(lambda db: sqlite_accounts.settings(db, user_id))

    async def save_settings(self, user_id: int, settings: Settings) -> None:
        await self._run(lambda db: sqlite_accounts.save_settings(db, user_id, settings))

    async def set_password(self, user_id: int, password_hash: str) -> None:
        await self._run(lambda db: sqlite_accounts.set_password(db, user_id, password_hash))

    async def claim_skeletons(self, skeleton: Skeleton) -> int:
        return await self._run(lambda db: sqlite_accounts.claim_skeletons(db, skeleton))

    # --- Social --------------------------------------------------------------------

    async def add_friendship(self, user_id: int, friend_id: int) -> Contact:
        return await self._run(lambda db: sqlite_social.add_friendship(db, user_id, friend_id))

    async def friends(self, user_id: int, after: int | None, limit: int) -> list[Contact]:
        return await self._run(lambda db: sqlite_social.friends(db, user_id, after, limit))

    async def friend_ids(self, user_id: int) -> list[int]:
        return await self._run(lambda db: sqlite_social.friend_ids(db, user_id))

    async def group_member_ids(self, group_id: int) -> list[int] | None:
        return await self._run(lambda db: sqlite_social.group_member_ids(db, group_id))

    async def groups_of(self, user_id: int, after: int | None, limit: int) -> list[Group]:
        return await self._run(lambda db: sqlite_social.groups_of(db, user_id, after, limit))

    async def members(self, group_id: int, after: int | None, limit: int) -> list[Member] | None:
        return await self._run(lambda db: sqlite_social.members(db, group_id, after, limit))

    async def first_members(self, group_ids: Sequence[int], limit: int) -> dict[int, list[Member]]:
        return await self._run(lambda db: sqlite_social.first_members(db, group_ids, limit))

    # --- MessageLog ----------------------------------------------------------------

    async def log_messages(
        self,
        batch: Sequence[NewMessage],
        acks: Sequence[DeviceAck] = (),
        *,
        seen_ms: int = 0,
        stale_ms: int = 0,
    ) -> list[Logged]:
        def log(db: sqlite3.Connection) -> list[Logged]:
            own = self._log_db  # None for ":memory:": the one connection, which checks keys
            return sqlite_log.log_messages(
                own or db, batch, acks, seen_ms, stale_ms, checked=own is None
            )

        return await self._run(log)

    async def pending(self, user_id: int, after: int | None, limit: int) -> Pending:
        return await self._run(lambda db: sqlite_log.pending(db, user_id, after, limit))

    async def history(
        self, conversation: Conversation, before: int | None, limit: int
    ) -> list[StoredMessage]:
        return await self._run(lambda db: sqlite_log.history(db, conversation, before, limit))

    async def last_seq(self, user_id: int) -> int:
        return await self._run(lambda db: sqlite_log.last_seq(db, user_id))

    # --- People --------------------------------------------------------------------

    async def users_by_prefix(self, prefix: str, limit: int) -> list[Contact]:
        return await self._run(lambda db: sqlite_people.users_by_prefix(db, prefix, limit))

    async def conversations(
        self, user_id: int, before: int | None, limit: int, unread_cap: int
    ) -> list[ConversationRow]:
        return await self._run(
            lambda db: sqlite_people.conversations(db, user_id, before, limit, unread_cap)
        )

    async def message_by_id(self, mid: int) -> StoredMessage | None:
        return await self._run(lambda db: sqlite_people.message_by_id(db, mid))

    async def mark_read(self, user_id: int, conversation: Conversation, mid: int) -> int:
        return await self._run(lambda db: sqlite_people.mark_read(db, user_id, conversation, mid))

    async def readers(self, conversation: Conversation, mid: int, excluding: int) -> int:
        return await self._run(lambda db: sqlite_people.readers(db, conversation, mid, excluding))
