"""mysql_round.Round: statements in one round trip, on a real MariaDB."""

from __future__ import annotations

from typing import Any

import pymysql
import pytest

from chatapp.server.storage import mysql_round
from chatapp.server.storage.mysql import MySQLStorage
from chatapp.server.storage.mysql_round import Round
from tests.services import mysql_query

Cursor = Any


@pytest.mark.mysql
async def test_a_round_gives_each_statements_rows_and_escapes_what_it_is_given(
    mysql_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open()
    mysql_query(mysql_url, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(100))")
    sent: list[str] = []

    async def work(cur: Cursor) -> list[mysql_round.Rows]:
        execute = cur.execute

        async def counted(sql: str, args: object = None) -> object:
            sent.append(sql)
            return await execute(sql, args)

        monkeypatch.setattr(cur, "execute", counted)
        rnd = Round(cur)
        rnd.add_rows(
            "INSERT INTO t (id, v) VALUES (%s, %s)", [(1, "a'; DROP TABLE t; --"), (2, "%s")]
        )
        rnd.add("UPDATE t SET v = CONCAT(v, %s) WHERE id = %s", ["!", 2])
        read = rnd.add("SELECT id, v FROM t ORDER BY id")
        rnd.add("SELECT COUNT(*) FROM t WHERE v = %s", ["nothing"])
        results = await rnd.run()
        assert read == 2
        return results

    try:
        results = await storage._run(work, write=True)
    finally:
        await storage.close()
    assert len(sent) == 1  # one round trip
    assert results[2] == [(1, "a'; DROP TABLE t; --"), (2, "%s!")]
    assert results[3] == [(0,)]
    assert results[0] == [] and results[1] == []


@pytest.mark.mysql
async def test_a_long_round_goes_in_several_and_a_failure_stops_the_rest(
    mysql_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mysql_round, "MAX_ROUND", 200)
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open()
    mysql_query(mysql_url, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(100))")

    async def work(cur: Cursor) -> int:
        rnd = Round(cur)
        rnd.add_rows("INSERT INTO t (id, v) VALUES (%s, %s)", [(n, "x" * 20) for n in range(20)])
        statements = len(rnd)
        await rnd.run()
        failing = Round(cur)
        failing.add("INSERT INTO t (id, v) VALUES (%s, %s)", [100, "new"])
        failing.add("INSERT INTO t (id, v) VALUES (%s, %s)", [1, "taken"])
        failing.add("INSERT INTO t (id, v) VALUES (%s, %s)", [101, "never"])
        with pytest.raises(pymysql.err.IntegrityError):
            await failing.run()
        return statements

    try:
        statements = await storage._run(work, write=True)
    finally:
        await storage.close()
    assert statements > 1  # the multi-row INSERT was cut to fit
    ids = [row[0] for row in mysql_query(mysql_url, "SELECT id FROM t ORDER BY id")]
    assert ids == [*range(20), 100]  # the statement after the failure did not run
