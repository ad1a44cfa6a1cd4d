"""A chat server on the Redis bus, cut off from Redis and back."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.redis_service import PrivateRedis


@pytest.mark.redis
async def test_a_server_forgets_its_group_cache_when_the_bus_was_cut_off(
    private_redis: PrivateRedis, tmp_path: Any
) -> None:
    from chatapp.server.app import ChatServer
    from chatapp.server.config import Config

    config = Config(
        port=0, storage=f"sqlite:///{tmp_path}/c.db", bus=private_redis.url + "?lease=5",
        hash_cost=10,
    )  # fmt: skip
    server = ChatServer(config)
    await server.start()
    server.groups.joined(1, frozenset({1, 2}))
    private_redis.stop()
    await asyncio.to_thread(private_redis.start)
    async with asyncio.timeout(10):
        while server.groups._members:
            await asyncio.sleep(0.05)  # the bus reconnects by itself, with backoff
    await server.shutdown()
    assert not server.groups._members
