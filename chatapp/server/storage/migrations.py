"""The MySQL schema as numbered migrations shipped in the package, and applying them in order."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any, Protocol

from .base import StorageError, StorageUnavailable

log = logging.getLogger(__name__)

MYSQL_SCHEMA = files("chatapp.server.storage").joinpath("schema", "mysql")
"""The directory of migrations: 001_initial.sql, 002_..., applied in order."""

INIT_DB = "chatapp-server --init-db"

_FILE_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class Cursor(Protocol):
    """The part of a DB-API cursor that migrating needs (aiomysql's, here)."""

    async def execute(self, query: str, args: Any = None) -> Any: ...

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered SQL file: the version it brings a database to, and its statements."""

    version: int
    name: str
    statements: tuple[str, ...]


def split_statements(sql: str) -> list[str]:
    """The statements of a schema file: each ends with `;` at the end of a line.

    Comment lines (starting with `--`) are dropped, so a header comment does not change
    what a file means; a `;` inside a statement is not supported.
    """
    statements: list[str] = []
    current: list[str] = []
    for line in sql.splitlines():
        if not line.strip() or line.lstrip().startswith("--"):
            continue
        current.append(line.rstrip())
        if line.rstrip().endswith(";"):
            statements.append("\n".join(current)[:-1].strip())
            current = []
    if current:
        raise ValueError(f"schema text ends without `;` after: {current[0]!r}")
    return statements


def migration_files(directory: Traversable = MYSQL_SCHEMA) -> list[tuple[int, Traversable]]:
    """Every migration file in `directory` with its version, checked to be numbered 001,
    002, ... without gaps."""
    found = []
    for entry in sorted(directory.iterdir(), key=lambda e: e.name):
        match = _FILE_NAME.match(entry.name)
        if match is not None:
            found.append((int(match[1]), entry))
    versions = [version for version, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations in {directory} must be numbered from 001: {versions}")
    return found


def load_migrations(directory: Traversable = MYSQL_SCHEMA) -> tuple[Migration, ...]:
    """Every migration in `directory`, in order."""
    return tuple(
        Migration(version, entry.name, tuple(split_statements(entry.read_text(encoding="utf-8"))))
        for version, entry in migration_files(directory)
    )


def pending(
    migrations: Sequence[Migration],
    current: int | None,
    tables: int,
    *,
    upgrade: bool,
    where: str,
) -> list[Migration]:
    """The migrations to apply to a database at version `current` holding `tables` tables.

    `current` is None when the database has no schema version. Raises StorageError, with a
    message for the operator, where the server must not start against this database.
    """
    latest = migrations[-1].version
    if current is None:
        if tables:
            raise StorageError(
                f"{where} is not empty but has no chatapp schema version: chatapp creates its "
                "schema only in an empty database (drop the tables an interrupted set-up left, "
                "or choose another database)"
            )
        return list(migrations)
    if current > latest:
        raise StorageError(
            f"{where} has schema version {current}, newer than the {latest} this chatapp "
            "knows: upgrade chatapp"
        )
    todo = [m for m in migrations if m.version > current]
    if todo and not upgrade:
        raise StorageError(
            f"{where} has schema version {current}; this chatapp needs {latest}: back the "
            f"database up, then run `{INIT_DB}` to upgrade it"
        )
    return todo


async def migrate(
    cur: Cursor,
    migrations: Sequence[Migration],
    *,
    upgrade: bool,
    where: str,
    existing: bool = False,
) -> None:
    """Brings the cursor's database to the latest version, or raises StorageError saying why
    not; an `existing` one (chatapp-admin's) must be at it already."""
    if existing:
        await check_current(cur, migrations, where=where)
        return
    # A named lock, so that servers starting together do not both create the schema.
    await cur.execute("SELECT DATABASE()")
    lock = f"chatapp-schema:{(await cur.fetchone())[0]}"[:64]
    await cur.execute("SELECT GET_LOCK(%s, 60)", (lock,))
    if (await cur.fetchone())[0] != 1:
        raise StorageUnavailable(f"{where}: another server is changing the schema")
    try:
        current, tables = await _schema_version(cur)
        for migration in pending(migrations, current, tables, upgrade=upgrade, where=where):
            log.info("%s: applying schema migration %s", where, migration.name)
            for statement in migration.statements:
                await cur.execute(statement)
            if (await _schema_version(cur))[0] != migration.version:
                raise StorageError(f"{migration.name} did not set schema_version")
    finally:
        await cur.execute("DO RELEASE_LOCK(%s)", (lock,))


async def check_current(cur: Cursor, migrations: Sequence[Migration], *, where: str) -> None:
    """Raises StorageError unless the cursor's database is at the latest version."""
    current, _ = await _schema_version(cur)
    latest = migrations[-1].version
    if current != latest:
        have = "no chatapp schema" if current is None else f"schema version {current}"
        raise StorageError(f"{where} has {have}; this chatapp needs {latest}")


async def _schema_version(cur: Cursor) -> tuple[int | None, int]:
    """The database's schema version (None where it has none) and how many tables it holds."""
    await cur.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
    )
    tables = {row[0] for row in await cur.fetchall()}
    if "schema_version" not in tables:
        return None, len(tables)
    await cur.execute("SELECT version FROM schema_version WHERE id = 1")
    row = await cur.fetchone()
    return (int(row[0]) if row else None), len(tables)
