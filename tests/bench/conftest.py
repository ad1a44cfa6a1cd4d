"""Fixtures for bench tests: a real server in this process, and the bench run against it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from chatapp.bench.cli import run_bench
from chatapp.server.app import ChatServer
from chatapp.server.config import Config

Bench = Callable[..., Awaitable[dict[str, Any]]]

# Cheap hashes keep the setup and the login storm fast; the code path is the production one.
HASH_COST = 10


def config(tmp_path: Path, *, throttled: bool = False) -> Config:
    """A server on a free loopback port; unthrottled unless asked, as an operator sizing
    a deployment runs it (the per-connection rate limit would be all the bench measures)."""
    unthrottled = {"rate_limit": 0.0} if "rate_limit" in {f.name for f in fields(Config)} else {}
    return Config(
        host="127.0.0.1",
        port=0,
        storage=f"sqlite:///{tmp_path}/c.db",
        hash_cost=HASH_COST,
        **({} if throttled else unthrottled),  # type: ignore[arg-type]
    )


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ChatServer]:
    chat = ChatServer(config(tmp_path))
    await chat.start()
    yield chat
    await chat.shutdown()


def bench_on(port: int) -> Bench:
    async def run(scenario: str, *argv: str) -> dict[str, Any]:
        return await run_bench(
            [scenario, "--target", f"127.0.0.1:{port}", "--quiet", "--timeout", "5", *argv]
        )

    return run


@pytest.fixture
def bench(server: ChatServer) -> Bench:
    """Runs a scenario against the server: bench("pingpong", "--pairs", "2")."""
    return bench_on(server.port)


def assert_latency(summary: dict[str, Any]) -> None:
    """Percentiles are ordered and positive; nothing about how fast."""
    assert summary["n"] > 0
    values = [summary[k] for k in ("p50", "p90", "p99", "p999", "max")]
    assert values[0] > 0
    assert values == sorted(values)
