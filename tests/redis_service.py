"""Redis for tests: the machine's own server with a private prefix, or a private server."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from tests.services import need_service

REDIS_URL = os.environ.get("CHATAPP_TEST_REDIS", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


class PrivateRedis:
    """A redis-server of the test's own on a free loopback port, to stop and restart."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        async with asyncio.timeout(10):
            while await _reachable(self.url):
                await asyncio.sleep(0.05)  # polling a process that is starting

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        need_service("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    await server.start()
    yield server
    server.stop()
