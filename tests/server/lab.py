"""Lab: a server of a test's own, with the limits it needs, and the clients it opened."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from chatapp.protocol import MsgId
from chatapp.server.app import ChatServer
from chatapp.server.config import Config
from tests.server.conftest import TEST_HASH_COST, Users, running
from tests.wire import WireClient


class Lab:
    """One server with the limits of a test, and the clients it opened."""

    def __init__(self, server: ChatServer) -> None:
        self.server = server
        self.clients: list[WireClient] = []
        self.users = Users(self.connect)

    @property
    def config(self) -> Config:
        return self.server.config

    async def connect(self, *, legacy: bool = False) -> WireClient:
        client = await WireClient.connect(self.server.port, legacy=legacy)
        self.clients.append(client)
        return client

    async def online(self) -> tuple[int, WireClient]:
        return await self.users.online()

    async def close(self) -> None:
        for client in self.clients:
            with contextlib.suppress(OSError):
                await client.close()
        await self.server.shutdown()


Start = Callable[..., Awaitable[Lab]]


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Start]:
    """Starts a server on SQLite with the given Config fields."""
    labs: list[Lab] = []

    async def start_server(**limits: Any) -> Lab:
        storage = f"sqlite:///{tmp_path}/chat{len(labs)}.db"
        config = Config(port=0, storage=storage, hash_cost=TEST_HASH_COST, **limits)
        server = ChatServer(config)
        await server.start()
        labs.append(Lab(server))
        return labs[-1]

    yield start_server
    for lab in labs:
        await lab.close()


async def login(client: WireClient, password: str = "pw", **who: Any) -> dict[str, Any]:
    return await client.request(msgid=MsgId.LOGIN, password=password, v=2, **who)


def errno_of(reply: dict[str, Any]) -> int:
    return int(reply["errno"])


async def connect_small_window(port: int) -> WireClient:
    """A client whose receive buffer is as small as the kernel allows."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=sock)
    return WireClient(reader, writer, legacy=False)


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Returns once `condition()` holds, checking every 10 ms; fails the test after
    `timeout` s. For what the server does that no client can see (a queue filling up)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)
    assert condition()


@contextlib.asynccontextmanager
async def two_instances(mysql_url: str, redis_url: str) -> AsyncIterator[tuple[Users, Users]]:
    """Two servers on one database and one bus; a Users for each, whose clients are closed
    at the end."""
    clients: list[WireClient] = []
    async with contextlib.AsyncExitStack() as stack:
        ports = []
        for _ in range(2):
            config = Config(
                host="127.0.0.1",
                port=0,
                storage=mysql_url,
                bus=redis_url,
                hash_cost=TEST_HASH_COST,
            )
            ports.append((await stack.enter_async_context(running(config))).port)

        def users_of(port: int) -> Users:
            async def connect(*, legacy: bool = False) -> WireClient:
                clients.append(client := await WireClient.connect(port, legacy=legacy))
                return client

            return Users(connect)

        try:
            yield users_of(ports[0]), users_of(ports[1])
        finally:
            for client in clients:
                await client.close()
