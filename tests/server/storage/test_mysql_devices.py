"""Devices on MySQL under concurrency: two instances opening, touching, ending devices and
saving tokens while their log batches acknowledge for the same users, without a deadlock."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable
from typing import Any
from urllib.parse import urlsplit

import pytest

from chatapp.server.storage import Device, DeviceAck, Logged, NewMessage, NoSuchUser
from chatapp.server.storage.mysql import MySQLStorage
from tests.server.storage.numbered import deliveries_given
from tests.server.storage.test_mysql import chat

pytestmark = pytest.mark.mysql


def with_pool(url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(query="&".join(filter(None, [parts.query, "pool_max=4"]))).geturl()


async def test_device_work_and_acknowledging_batches_do_not_deadlock(
    mysql_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    instances = [MySQLStorage.from_url(with_pool(mysql_url)) for _ in range(2)]
    for instance in instances:
        await instance.open()
    try:
        users = [(await instances[0].create_user(f"u{n}", "hash")).id for n in range(6)]
        devices: dict[int, list[Device]] = {uid: [] for uid in users}
        for uid in users:
            for name in ("one", "two"):
                opened = await instances[0].open_device(
                    uid, name, legacy=False, now_ms=1, address="", max_devices=9
                )
                devices[uid].append(opened.device)
        rng = random.Random(7)
        work: list[Awaitable[Any]] = []
        batches = []
        for b in range(30):
            s = instances[b % 2]
            uid = rng.choice(users)
            batch = [
                NewMessage(chat(rng.choice(users), 0, b * 100 + n), tuple(rng.sample(users, 3)))
                for n in range(rng.randint(1, 10))
            ]
            acks = [
                DeviceAck(u, rng.choice(devices[u]).id, rng.randint(0, 4))
                for u in rng.sample(users, 3)
            ]
            batches.append(len(work))
            work.append(s.log_messages(batch, acks, seen_ms=2, stale_ms=0))
            mine = rng.choice(devices[uid])
            work.append(s.save_token(f"t{b}", mine, 1 << 50, 0, max_tokens=2))
            work.append(s.touch_device(rng.choice(devices[uid]).id, 3, "10.0.0.1"))
            work.append(
                s.open_device(uid, "new", legacy=b % 3 == 0, now_ms=4, address="", max_devices=3)
            )
            if b % 7 == 6:
                work.append(s.end_devices(uid, keep=mine.id))
        with caplog.at_level(logging.WARNING, logger="chatapp.server.storage.mysql"):
            results = await asyncio.gather(*work, return_exceptions=True)
        assert caplog.text == ""  # not even a deadlock retried
        # A token for a device ended meanwhile is refused; nothing else fails.
        assert all(not isinstance(r, Exception) or isinstance(r, NoSuchUser) for r in results)
        logged: list[list[Logged]] = []
        for i in batches:
            result = results[i]
            assert isinstance(result, list)
            logged.append(result)
        given = deliveries_given(logged, users)
        for uid in users:
            numbered = sorted(given[uid])
            assert [seq for seq, _ in numbered] == list(range(1, len(numbered) + 1))
            pending = await instances[1].pending(uid, None, 1000)
            assert [(seq, m.mid) for seq, m in pending.deliveries] == numbered[pending.after :]
            assert len(await instances[1].devices(uid)) <= 3 + 1
    finally:
        for instance in instances:
            await instance.close()
