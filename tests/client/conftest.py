"""Fixtures for the client tests: a real ChatServer on loopback and app and connection makers."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from chatapp.client.app import ChatApp
from chatapp.client.net import Backoff, Connection
from chatapp.client.settings import Settings
from chatapp.server.app import ChatServer
from chatapp.server.config import Config

from .fakes import clock


@pytest.fixture(autouse=True)
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The platform's data directory, where the input history lives, one per test: never
    the real one of whoever runs the tests."""
    home = tmp_path / "data-home"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


def server_config(tmp_path: Path, port: int = 0, *, sync_page: int = 200) -> Config:
    return Config(
        host="127.0.0.1",
        port=port,
        storage=f"sqlite:///{tmp_path}/chat.db",
        hash_cost=10,
        sync_page=sync_page,
    )


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ChatServer]:
    chat_server = ChatServer(server_config(tmp_path))
    await chat_server.start()
    yield chat_server
    await chat_server.shutdown()


def quick_connection(host: str, port: int, *, ack_interval: float = 0.5) -> Connection:
    """A connection that retries fast, so reconnection tests take milliseconds, not seconds."""
    return Connection(
        host,
        port,
        request_timeout=5.0,
        queue_timeout=15.0,
        ack_interval=ack_interval,
        backoff=Backoff(base=0.02, cap=0.2),
    )


def make_app(
    port: int, config_dir: Path, factory: Callable[[str, int], Connection] = quick_connection
) -> ChatApp:
    """A client app aimed at a loopback server, with a frozen clock and a still cursor."""
    settings = Settings(host="127.0.0.1", port=port)
    return ChatApp(
        settings,
        config_dir / "client.json",
        clock=clock,
        connection_factory=factory,
        blink=False,
    )


async def until(predicate: Callable[[], object], timeout: float = 10.0) -> None:
    """Awaits the moment `predicate()` holds, failing the test after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)


def holds(root: object, secret: str) -> bool:
    """Whether `secret` can be reached from `root` through chatapp objects and containers."""
    seen: set[int] = set()
    todo: list[object] = [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            if secret in obj:
                return True
        elif isinstance(obj, dict):
            todo += [*obj.keys(), *obj.values()]
        elif isinstance(obj, list | tuple | set | frozenset | deque):
            todo += list(obj)
        elif isinstance(obj, asyncio.Queue):
            todo.append(obj._queue)  # type: ignore[attr-defined]
        elif isinstance(obj, asyncio.Future) and obj.done() and not obj.cancelled():
            todo.append(obj.exception() or obj.result())
        elif callable(obj) and hasattr(obj, "__self__"):
            todo.append(obj.__self__)
        elif type(obj).__module__.startswith("chatapp."):
            todo += list(getattr(obj, "__dict__", {}).values())
            for cls in type(obj).__mro__:
                todo += [getattr(obj, name, None) for name in getattr(cls, "__slots__", ())]
    return False
