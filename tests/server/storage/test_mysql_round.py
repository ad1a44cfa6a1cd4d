"""mysql_round.Round: statements in one round trip, on a real MariaDB."""

from __future__ import annotations

from typing import Any

import pymysql
import pytest

from chatapp.server.storage import Kind, Logged, NewMessage, StoredMessage, mysql_round
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


@pytest.mark.mysql
async def test_a_batch_too_long_for_one_round_still_finds_a_duplicate_in_its_last_statement(
    mysql_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mysql_round, "MAX_ROUND", 300)  # a statement or two per message
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open()
    try:
        a, b = [(await storage.create_user(name, "hash")).id for name in "ab"]
        first = chat(a, b, 1)
        await storage.log_messages([NewMessage(first, (b,), "dup")])
        batch = [NewMessage(chat(a, b, n), (b,), f"c{n}") for n in range(2, 6)]
        batch.append(NewMessage(chat(a, b, 6), (b,), "dup"))  # a retry, last
        logged = await storage.log_messages(batch)
        assert logged[-1] == Logged(first.mid, ((b, 1),), first)
        assert [entry.deliveries for entry in logged[:-1]] == [((b, n),) for n in range(2, 6)]
        pending = await storage.pending(b, None, 10)
        assert [m.mid for _, m in pending.deliveries] == [chat(a, b, n).mid for n in range(1, 6)]
    finally:
        await storage.close()


def chat(sender: int, toid: int, n: int) -> StoredMessage:
    return StoredMessage((1 << 40) + n, Kind.DIRECT, sender, "x", toid, f"message {n}", "t", n)
