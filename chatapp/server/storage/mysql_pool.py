"""The driver's edge of MySQLStorage: a pool of aiomysql connections, one attempt of work on
a connection, and the driver's errors turned into StorageErrors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import aiomysql
import pymysql

from .base import StorageError, StorageUnavailable
from .mysql_config import MySQLConfig

T = TypeVar("T")
Cursor = Any  # aiomysql ships no types
Work = Callable[[Cursor], Awaitable[T]]

# Errors after which the connection is gone: server gone away, lost during query, commands
# out of sync, lost (TLS), killed (MariaDB), closed for inactivity (MySQL 8).
_GONE = frozenset({2006, 2013, 2014, 2055, 1927, 4031})
_DEADLOCK = 1213  # InnoDB rolled the whole transaction back, so it may run again
DUPLICATE = 1062
NO_PARENT = 1452
_TOO_LONG = 1406
_DENIED = frozenset({1044, 1142, 1143})  # no privilege: retrying cannot help
_SQL_MODE = "'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"  # too long is an error, never cut
# READ COMMITTED: no gap locks, so transactions that lock different rows never wait for
# each other, and each statement sees what others committed before it (the cid lookup of
# log_messages must). Row-based or mixed binary logging (the defaults) allow it.
_ISOLATION = "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"


class Retry(Exception):
    """The attempt failed before anything was committed; another attempt is safe."""


async def create_pool(c: MySQLConfig) -> Any:
    """A pool of connections in autocommit, strict, READ COMMITTED, opened to `pool_min`."""
    try:
        return await aiomysql.create_pool(
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


async def acquire(pool: Any, where: str, *, check: bool) -> Any:
    """A connection of the pool; pinged first where `check` says the server may have gone."""
    try:
        conn = await pool.acquire()
    except RuntimeError as exc:  # the pool is closing
        raise StorageUnavailable("storage is closed") from exc
    except (pymysql.err.Error, OSError) as exc:
        raise StorageUnavailable(f"cannot connect to {where}: {exc}") from exc
    if check:
        # After a lost connection the server may have restarted: every idle connection
        # is suspect, so ping this one and reconnect it when it is dead.
        try:
            await conn.ping(reconnect=True)
        except (pymysql.err.Error, OSError) as exc:
            conn.close()
            await release(pool, conn)
            raise StorageUnavailable(f"cannot reach {where}: {exc}") from exc
    return conn


async def attempt(conn: Any, work: Work[T], write: bool) -> T:
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
    except (StorageError, Retry):
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
            raise Retry() from exc
        if write:
            await _rollback(conn)
        if code == _DEADLOCK:
            raise Retry() from exc
        if code == _TOO_LONG:
            raise StorageError(f"mysql: a value is too long for its column: {exc}") from exc
        if code in _DENIED:
            raise StorageError(f"mysql: permission denied: {exc}") from exc
        raise StorageUnavailable(f"mysql: {exc}") from exc
    except BaseException:
        conn.close()  # cancelled, or a bug: the connection's state is unknown
        raise


def is_duplicate(exc: Exception) -> bool:
    """Whether a driver error is a row whose unique key is taken."""
    return isinstance(exc, pymysql.err.IntegrityError) and exc.args[0] == DUPLICATE


async def release(pool: Any, conn: Any) -> None:
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
def conflicts(
    *, duplicate: StorageError | None = None, missing: StorageError | None = None
) -> Iterator[None]:
    """Turns a duplicate key into `duplicate` and a missing referenced row into `missing`."""
    try:
        yield
    except pymysql.err.IntegrityError as exc:
        if exc.args[0] == DUPLICATE and duplicate is not None:
            raise duplicate from None
        if exc.args[0] == NO_PARENT and missing is not None:
            raise missing from None
        raise
