"""MySQLStorage: the shared backend for many server instances, on MySQL 8 or MariaDB 10.11.

URL: ``mysql://user:password@host:3306/dbname?pool_min=1&pool_max=10&connect_timeout=5``.
User and password are percent-decoded (write ``%40`` for an ``@`` in a password); the port
defaults to 3306. Query options, all optional:

- ``pool_min`` (1): connections opened at start and kept open.
- ``pool_max`` (10): connections open at most; further calls wait for a free one.
- ``connect_timeout`` (5): seconds to wait for the server when opening a connection.
- ``pool_recycle`` (3600): seconds after which an idle connection is replaced; keep it below
  the server's ``wait_timeout`` so the server never closes a connection the pool still holds.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import aiomysql
import pymysql

from . import mysql_log
from .base import (
    AlreadyExists,
    NameTaken,
    NoSuchGroup,
    NoSuchUser,
    StorageError,
    StorageUnavailable,
)
from .migrations import Migration, load_migrations, migrate
from .mysql_config import MySQLConfig
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

log = logging.getLogger(__name__)

T = TypeVar("T")
Cursor = Any  # aiomysql ships no types
Work = Callable[[Cursor], Awaitable[T]]

# Errors after which the connection is gone: server gone away, lost during query, commands
# out of sync, lost (TLS), killed (MariaDB), closed for inactivity (MySQL 8).
_GONE = frozenset({2006, 2013, 2014, 2055, 1927, 4031})
_DEADLOCK = 1213  # InnoDB rolled the whole transaction back, so it may run again
_DUPLICATE = 1062
_NO_PARENT = 1452
_TOO_LONG = 1406
_DENIED = frozenset({1044, 1142, 1143})  # no privilege: retrying cannot help
_SQL_MODE = "'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"  # too long is an error, never cut
# READ COMMITTED: no gap locks, so transactions that lock different rows never wait for
# each other, and each statement sees what others committed before it (the cid lookup of
# log_messages must). Row-based or mixed binary logging (the defaults) allow it.
_ISOLATION = "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"
_GROUPS_SQL = (
    "SELECT g.id, g.name, g.description, u.id, u.name, m.role FROM chat_groups g"
    " JOIN group_members m ON m.group_id = g.id JOIN users u ON u.id = m.user_id"
    " WHERE {} ORDER BY g.id, u.id"
)


class _Retry(Exception):
    """The attempt failed before anything was committed; another attempt is safe."""


class MySQLStorage:
    """Storage in MySQL through a pool of aiomysql connections.

    Reads run in autocommit. Writes run in explicit transactions, even single statements:
    when a connection dies before COMMIT the server discards the work, so the write is tried
    once more on a fresh connection; when it dies during COMMIT the outcome is unknown and
    the call raises StorageUnavailable rather than risk doing the work twice.
    """

    def __init__(self, config: MySQLConfig, *, migrations: Sequence[Migration] = ()) -> None:
        self.config = config
        self._migrations = tuple(migrations) or load_migrations()
        self._pool: Any = None

    @classmethod
    def from_url(cls, url: str) -> MySQLStorage:
        """mysql://user:password@host:port/dbname?options; see the module docstring."""
        return cls(MySQLConfig.from_url(url))

    async def open(self, *, upgrade: bool = False) -> None:
        c = self.config
        try:
            self._pool = await aiomysql.create_pool(
                minsize=c.pool_min,
                maxsize=c.pool_max,
                pool_recycle=c.pool_recycle,
                host=c.host,
                port=c.port,
                user=c.user,
                password=c.password,
                db=c.database,
                connect_timeout=c.connect_timeout,
                charset="utf8mb4",
                autocommit=True,
                sql_mode=_SQL_MODE,
                init_command=_ISOLATION,
            )
        except (pymysql.err.Error, OSError) as exc:
            raise StorageUnavailable(f"cannot connect to {c.where}: {exc}") from exc
        try:
            await self._run(
                lambda cur: migrate(cur, self._migrations, upgrade=upgrade, where=c.where),
                write=False,
                retry=False,
            )
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
            await pool.wait_closed()

    # --- running work on a connection ----------------------------------------------

    async def _run(self, work: Work[T], *, write: bool, retry: bool = True) -> T:
        pool = self._pool
        if pool is None:
            raise StorageUnavailable("storage is closed")
        for attempt in (1, 2):
            conn = await self._acquire(pool, check=attempt > 1)
            try:
                return await _attempt(conn, work, write)
            except _Retry as exc:
                if attempt > 1 or not retry:
                    raise StorageUnavailable(f"mysql: {exc.__cause__}") from exc.__cause__
                log.warning("mysql: %s; trying once more on a fresh connection", exc.__cause__)
            finally:
                await _release(pool, conn)
        raise AssertionError("unreachable")

    async def _acquire(self, pool: Any, *, check: bool) -> Any:
        try:
            conn = await pool.acquire()
        except RuntimeError as exc:  # the pool is closing
            raise StorageUnavailable("storage is closed") from exc
        except (pymysql.err.Error, OSError) as exc:
            raise StorageUnavailable(f"cannot connect to {self.config.where}: {exc}") from exc
        if check:
            # After a lost connection the server may have restarted: every idle connection
            # is suspect, so ping this one and reconnect it when it is dead.
            try:
                await conn.ping(reconnect=True)
            except (pymysql.err.Error, OSError) as exc:
                conn.close()
                await _release(pool, conn)
                raise StorageUnavailable(f"cannot reach {self.config.where}: {exc}") from exc
        return conn

    # --- users ---------------------------------------------------------------------

    async def create_user(self, name: str, password_hash: str) -> User:
        async def insert(cur: Cursor) -> User:
            with _conflicts(duplicate=NameTaken(name)):
                await cur.execute(
                    "INSERT INTO users (name, password_hash) VALUES (%s, %s)", (name, password_hash)
                )
            user = User(cur.lastrowid, name, password_hash)
            for table in ("delivery_counters", "delivery_cursors"):
                await cur.execute(f"INSERT INTO {table} (user_id) VALUES (%s)", (user.id,))
            return user

        return await self._run(insert, write=True)

    async def _user_where(self, condition: str, value: int | str) -> User | None:
        async def select(cur: Cursor) -> User | None:
            await cur.execute(
                f"SELECT id, name, password_hash FROM users WHERE {condition}", (value,)
            )
            row = await cur.fetchone()
            return User(*row) if row else None

        return await self._run(select, write=False)

    async def user_by_id(self, user_id: int) -> User | None:
        return await self._user_where("id = %s", user_id)

    async def user_by_name(self, name: str) -> User | None:
        return await self._user_where("name_key = CAST(%s AS BINARY)", name)

    # --- friends -------------------------------------------------------------------

    async def add_friendship(self, user_id: int, friend_id: int) -> Contact:
        async def insert(cur: Cursor) -> Contact:
            await cur.execute("SELECT id, name FROM users WHERE id = %s", (friend_id,))
            row = await cur.fetchone()
            if row is None:
                raise NoSuchUser(friend_id)
            already = AlreadyExists(f"{user_id} and {friend_id} are friends")
            with _conflicts(duplicate=already, missing=NoSuchUser(user_id)):
                await cur.executemany(
                    "INSERT INTO friends (user_id, friend_id) VALUES (%s, %s)",
                    [(user_id, friend_id), (friend_id, user_id)],
                )
            return Contact(*row)

        return await self._run(insert, write=True)

    async def friends(self, user_id: int) -> list[Contact]:
        async def select(cur: Cursor) -> list[Contact]:
            await cur.execute(
                "SELECT u.id, u.name FROM friends f JOIN users u ON u.id = f.friend_id"
                " WHERE f.user_id = %s ORDER BY u.id",
                (user_id,),
            )
            return [Contact(*row) for row in await cur.fetchall()]

        return await self._run(select, write=False)

    # --- groups --------------------------------------------------------------------

    async def create_group(self, name: str, desc: str, creator_id: int) -> Group:
        async def insert(cur: Cursor) -> Group:
            with _conflicts(duplicate=NameTaken(name)):
                await cur.execute(
                    "INSERT INTO chat_groups (name, description) VALUES (%s, %s)", (name, desc)
                )
            group_id = cur.lastrowid
            with _conflicts(missing=NoSuchUser(creator_id)):
                await cur.execute(
                    "INSERT INTO group_members (group_id, user_id, role) VALUES (%s, %s, %s)",
                    (group_id, creator_id, CREATOR),
                )
            return (await _groups(cur, "g.id = %s", group_id))[0]

        return await self._run(insert, write=True)

    async def join_group(self, group_id: int, user_id: int) -> Group:
        async def insert(cur: Cursor) -> Group:
            await cur.execute("SELECT 1 FROM chat_groups WHERE id = %s", (group_id,))
            if await cur.fetchone() is None:
                raise NoSuchGroup(group_id)
            already = AlreadyExists(f"{user_id} is a member of group {group_id}")
            with _conflicts(duplicate=already, missing=NoSuchUser(user_id)):
                await cur.execute(
                    "INSERT INTO group_members (group_id, user_id, role) VALUES (%s, %s, %s)",
                    (group_id, user_id, NORMAL),
                )
            return (await _groups(cur, "g.id = %s", group_id))[0]

        return await self._run(insert, write=True)

    async def group_member_ids(self, group_id: int) -> list[int] | None:
        async def select(cur: Cursor) -> list[int] | None:
            await cur.execute(
                "SELECT m.user_id FROM chat_groups g LEFT JOIN group_members m"
                " ON m.group_id = g.id WHERE g.id = %s ORDER BY m.user_id",
                (group_id,),
            )
            rows = await cur.fetchall()
            return [r[0] for r in rows if r[0] is not None] if rows else None

        return await self._run(select, write=False)

    async def groups_of(self, user_id: int) -> list[Group]:
        where = "g.id IN (SELECT group_id FROM group_members WHERE user_id = %s)"
        return await self._run(lambda cur: _groups(cur, where, user_id), write=False)

    # --- the message log ----------------------------------------------------------

    async def log_messages(
        self, batch: Sequence[NewMessage], acks: Mapping[int, int]
    ) -> list[Logged]:
        async def write(cur: Cursor) -> list[Logged]:
            try:
                return await mysql_log.log_messages(cur, batch, acks, _is_duplicate)
            except pymysql.err.IntegrityError as exc:
                if exc.args[0] == _NO_PARENT:  # recipients are checked before: a sender
                    senders = [new.message.sender_id for new in batch]
                    missing = await mysql_log.unknown_users(cur, senders)
                    raise NoSuchUser(missing or senders) from None
                if exc.args[0] == _DUPLICATE:
                    # Another transaction logged one of the batch's cids after the batch
                    # looked them up: the next attempt finds it.
                    raise _Retry() from exc
                raise

        logged = await self._run(write, write=True)
        if acks:
            try:
                await self._run(lambda cur: mysql_log.forget_acknowledged(cur, acks), write=True)
            except StorageUnavailable as exc:  # the batch is committed all the same
                log.warning("acknowledged deliveries are left for the next time: %s", exc)
        return logged

    async def pending(self, user_id: int, after: int | None, limit: int) -> Pending:
        return await self._run(
            lambda cur: mysql_log.pending(cur, user_id, after, limit), write=False
        )

    async def history(
        self, conversation: Conversation, before: int | None, limit: int
    ) -> list[StoredMessage]:
        return await self._run(
            lambda cur: mysql_log.history(cur, conversation, before, limit), write=False
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
        async def insert(cur: Cursor) -> None:
            if replacing is not None:
                await mysql_log.drop_token(cur, replacing)
            with _conflicts(missing=NoSuchUser(user_id)):
                await mysql_log.save_token(cur, token_hash, user_id, expires_ms, now_ms)

        await self._run(insert, write=True)

    async def user_by_token(self, token_hash: str, now_ms: int) -> User | None:
        return await self._run(
            lambda cur: mysql_log.user_by_token(cur, token_hash, now_ms), write=False
        )

    async def drop_token(self, token_hash: str) -> None:
        await self._run(lambda cur: mysql_log.drop_token(cur, token_hash), write=True)


async def _attempt(conn: Any, work: Work[T], write: bool) -> T:
    """Runs `work` once on `conn`, in a transaction if it writes; translates driver errors."""
    committing = False
    try:
        async with conn.cursor() as cur:
            if write:
                await conn.begin()
            result = await work(cur)
        if write:
            committing = True
            await conn.commit()
        return result
    except (StorageError, _Retry):
        if write:
            await _rollback(conn)
        raise
    except pymysql.err.Error as exc:
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
        if (
            isinstance(exc, pymysql.err.InterfaceError)
            or code in _GONE
            or "Lost connection" in str(exc)
        ):
            conn.close()
            if committing:
                raise StorageUnavailable(
                    f"mysql: connection lost during COMMIT, the change may not be saved: {exc}"
                ) from exc
            raise _Retry() from exc
        if write:
            await _rollback(conn)
        if code == _DEADLOCK:
            raise _Retry() from exc
        if code == _TOO_LONG:
            raise StorageError(f"mysql: a value is too long for its column: {exc}") from exc
        if code in _DENIED:
            raise StorageError(f"mysql: permission denied: {exc}") from exc
        raise StorageUnavailable(f"mysql: {exc}") from exc
    except BaseException:
        conn.close()  # cancelled, or a bug: the connection's state is unknown
        raise


def _is_duplicate(exc: Exception) -> bool:
    """Whether a driver error is a row whose unique key is taken."""
    return isinstance(exc, pymysql.err.IntegrityError) and exc.args[0] == _DUPLICATE


async def _release(pool: Any, conn: Any) -> None:
    """Gives a connection back to the pool; a closed one leaves room for a new one."""
    pool.release(conn)
    if conn.closed:
        # aiomysql (0.2, 0.3) wakes those waiting for a connection only when an open one
        # comes back: without this, callers waiting while the connections in use were
        # lost, and close(), would wait for ever.
        async with pool._cond:
            pool._cond.notify_all()


async def _rollback(conn: Any) -> None:
    try:
        await conn.rollback()
    except (pymysql.err.Error, OSError):
        conn.close()  # the pool drops a closed connection


@contextmanager
def _conflicts(
    *, duplicate: StorageError | None = None, missing: StorageError | None = None
) -> Iterator[None]:
    """Turns a duplicate key into `duplicate` and a missing referenced row into `missing`."""
    try:
        yield
    except pymysql.err.IntegrityError as exc:
        if exc.args[0] == _DUPLICATE and duplicate is not None:
            raise duplicate from None
        if exc.args[0] == _NO_PARENT and missing is not None:
            raise missing from None
        raise


async def _groups(cur: Cursor, where: str, value: int) -> list[Group]:
    """The groups matching `where`, with every member, ordered by group id then user id."""
    await cur.execute(_GROUPS_SQL.format(where), (value,))
    found: dict[int, tuple[str, str, list[Member]]] = {}
    for gid, name, desc, uid, uname, role in await cur.fetchall():
        found.setdefault(gid, (name, desc, []))[2].append(Member(uid, uname, role))
    return [Group(gid, name, desc, tuple(members)) for gid, (name, desc, members) in found.items()]
