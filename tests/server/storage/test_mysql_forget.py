"""MySQLStorage deletes acknowledged deliveries in the background (mysql_forget.py)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from chatapp.server.storage import (
    Kind,
    NewMessage,
    Pending,
    StorageUnavailable,
    StoredMessage,
    mysql_forget,
)
from chatapp.server.storage.mysql import MySQLStorage
from chatapp.server.storage.mysql_forget import Forgetting
from tests.server.storage.acking import acks
from tests.services import mysql_query


def chat(sender: int, toid: int, n: int) -> StoredMessage:
    return StoredMessage((1 << 40) + n, Kind.DIRECT, sender, "x", toid, f"message {n}", "t", n)


def rows(url: str, user_id: int) -> list[int]:
    found = mysql_query(url, "SELECT seq FROM deliveries WHERE user_id = %s ORDER BY seq", user_id)
    return [int(str(row[0])) for row in found]


@pytest.mark.mysql
async def test_acknowledged_rows_go_in_the_next_round_and_the_log_moves_on_at_once(
    mysql_url: str,
) -> None:
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open()
    try:
        a, b = [(await storage.create_user(name, "hash")).id for name in "ab"]
        await storage.log_messages([NewMessage(chat(a, b, n), (b,)) for n in (1, 2, 3)])
        await storage.log_messages([], await acks(storage, {b: 2}))
        # Not yet deleted, and not in the log either: reads start above the cursor.
        assert rows(mysql_url, b) == [1, 2, 3]
        assert await storage.pending(b, None, 10) == Pending(2, [(3, chat(a, b, 3))])
        assert await storage.pending(b, 0, 10) == Pending(0, [(3, chat(a, b, 3))])
        report = await storage.user_report(b, 1)
        assert report is not None and report.deliveries == 1
        async with asyncio.timeout(10):  # the round comes within a second
            while rows(mysql_url, b) != [3]:
                await asyncio.sleep(0.1)
    finally:
        await storage.close()


@pytest.mark.mysql
async def test_a_clean_close_deletes_what_is_waiting(mysql_url: str) -> None:
    storage = MySQLStorage.from_url(mysql_url)
    await storage.open()
    a, b = [(await storage.create_user(name, "hash")).id for name in "ab"]
    await storage.log_messages([NewMessage(chat(a, b, n), (b,)) for n in (1, 2)])
    await storage.log_messages([], await acks(storage, {b: 2}))
    await storage.close()
    assert rows(mysql_url, b) == []


async def test_the_rounds_take_the_highest_cursor_in_chunks_and_leave_a_failed_chunk(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(mysql_forget, "CHUNK", 2)
    calls: list[dict[int, int]] = []

    async def forget(cursors: dict[int, int]) -> None:
        calls.append(dict(cursors))
        if 9 in cursors:
            raise StorageUnavailable("mysql: gone")

    forgetting = Forgetting(forget, interval=60)  # type: ignore[arg-type]
    forgetting.add({1: 5, 2: 7})
    forgetting.add({1: 3, 3: 1})  # a lower cursor never moves one back
    await forgetting.flush()
    assert calls == [{1: 5, 2: 7}, {3: 1}]
    calls.clear()
    forgetting.add({9: 1, 10: 1, 11: 1})
    with caplog.at_level(logging.WARNING):
        await forgetting.close()  # the waiting round runs at once
    assert calls == [{9: 1, 10: 1}]  # the rest waits for the users' next acknowledgements
    assert "left for the next time" in caplog.text
    forgetting.add({12: 1})  # after close, nothing is scheduled
    await asyncio.sleep(0)
    assert calls == [{9: 1, 10: 1}]


async def test_many_waiting_users_start_a_round_at_once() -> None:
    done = asyncio.Event()

    async def forget(cursors: dict[int, int]) -> None:
        done.set()

    forgetting = Forgetting(forget, interval=600)  # type: ignore[arg-type]
    forgetting.add({1: 1})
    forgetting.add({uid: 1 for uid in range(2, mysql_forget.MAX_WAITING + 2)})
    async with asyncio.timeout(5):
        await done.wait()
    await forgetting.close()
