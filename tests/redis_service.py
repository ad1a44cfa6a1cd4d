"""Redis for tests: the machine's own server with a private prefix, or a private server."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from chatapp.tools.services import PrivateRedis, free_port
from tests.services import need_service

__all__ = ["PrivateRedis", "free_port", "private_redis", "redis_url"]

REDIS_URL = os.environ.get("CHATAPP_TEST_REDIS", "redis://127.0.0.1:6379/0")


async def _reachable(url: str) -> str | None:
    client = Redis.from_url(url, socket_connect_timeout=2)
    try:
        await client.ping()
    except Exception as exc:  # any failure means: not usable here
        return f"{type(exc).__name__}: {exc}"
    finally:
        await client.aclose()
    return None


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """A bus URL on the machine's Redis with a prefix of its own, cleaned up afterwards."""
    problem = await _reachable(REDIS_URL)
    if problem:
        need_service(f"Redis not reachable at {REDIS_URL}: {problem}")
    prefix = f"chatapp-test:{secrets.token_hex(4)}:"
    yield f"{REDIS_URL}?prefix={prefix}&lease=2"
    client = Redis.from_url(REDIS_URL)
    keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        need_service("redis-server is not installed")
    server = PrivateRedis(tmp_path / "redis")
    await asyncio.to_thread(server.start)
    yield server
    server.stop()
