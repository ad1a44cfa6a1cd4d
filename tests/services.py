"""Fixtures for real services: a fresh MariaDB/MySQL database per test, and open storage.

MySQL is looked for at mysql://root@127.0.0.1:3306, or at the URL (without a database) in
CHATAPP_TEST_MYSQL. When it is not reachable its tests are skipped, unless
CHATAPP_REQUIRE_SERVICES=1, which makes them fail so that CI never skips them silently.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import unquote, urlsplit

import pymysql
import pytest

from chatapp.server.storage import Storage, open_storage

MYSQL_ENV = "CHATAPP_TEST_MYSQL"
REQUIRE_ENV = "CHATAPP_REQUIRE_SERVICES"
DEFAULT_MYSQL = "mysql://root@127.0.0.1:3306"

_databases = itertools.count()


def mysql_admin(url: str) -> Any:
    """A blocking pymysql connection for setting up and inspecting, never for code under test.

    `url` is a mysql:// URL with or without a database; the query string is ignored.
    """
    parts = urlsplit(url)
    return pymysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or "root"),
        password=unquote(parts.password or ""),
        database=unquote(parts.path.lstrip("/")) or None,
        charset="utf8mb4",
        autocommit=True,
        connect_timeout=5,
    )


def mysql_query(url: str, sql: str, *args: object) -> list[tuple[object, ...]]:
    """Runs one statement on a connection of its own and returns the rows it gives."""
    admin = mysql_admin(url)
    try:
        with admin.cursor() as cur:
            cur.execute(sql, args or None)
            return list(cur.fetchall())
    finally:
        admin.close()


def with_database(server_url: str, database: str) -> str:
    """`server_url` naming `database`, keeping its credentials and options."""
    return urlsplit(server_url)._replace(path=f"/{database}").geturl()


def need_service(message: str) -> NoReturn:
    """Skips the test, or fails it where CHATAPP_REQUIRE_SERVICES=1 (as in CI)."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message} ({REQUIRE_ENV}=1)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def mysql_server() -> str:
    """The URL of a reachable MySQL server, without a database; checked once per session."""
    url = os.environ.get(MYSQL_ENV, DEFAULT_MYSQL)
    parts = urlsplit(url)
    try:
        mysql_admin(url).close()
    except (pymysql.err.Error, OSError) as exc:
        need_service(f"MySQL/MariaDB not reachable at {parts.hostname}:{parts.port}: {exc}")
    return url


@pytest.fixture
def mysql_url(mysql_server: str) -> Iterator[str]:
    """A mysql:// URL of a new, empty database of its own, dropped after the test."""
    # Names are made here from the pid and a counter, never from input: identifiers cannot
    # be bound parameters, so they are the one thing formatted into SQL.
    database = f"chatapp_t_{os.getpid()}_{next(_databases)}_{secrets.token_hex(3)}"
    mysql_query(mysql_server, f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4")
    try:
        yield with_database(mysql_server, database)
    finally:
        mysql_query(mysql_server, f"DROP DATABASE IF EXISTS `{database}`")


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("mysql", id="mysql", marks=pytest.mark.mysql),
    ]
)
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of empty storage, once for each backend: a SQLite file, a MySQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/chat.db"
    url: str = request.getfixturevalue("mysql_url")
    return url


@pytest.fixture
async def storage(storage_url: str) -> AsyncIterator[Storage]:
    """Open storage of each backend, closed after the test."""
    store = open_storage(storage_url)
    await store.open()
    yield store
    await store.close()
