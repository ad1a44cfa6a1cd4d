"""Fixtures for end-to-end tests: a real server on a free loopback port, and clients."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from chatapp.protocol import MsgId
from chatapp.server.app import ChatServer
from chatapp.server.config import Config
from tests.wire import WireClient

# Cheap hashes keep tests fast; the format and code path are the production ones.
TEST_HASH_COST = 10

Connect = Callable[..., Awaitable[WireClient]]


@contextlib.asynccontextmanager
async def running(config: Config) -> AsyncIterator[ChatServer]:
    """A server of `config`, started, and shut down after."""
    chat = ChatServer(config)
    await chat.start()
    try:
        yield chat
    finally:
        await chat.shutdown()


@pytest.fixture
def server_options() -> dict[str, Any]:
    """Config fields of the test's server; a test sets its own with
    `@pytest.mark.parametrize("server_options", [{...}])`."""
    return {}


@pytest.fixture
async def server(storage_url: str, server_options: dict[str, Any]) -> AsyncIterator[ChatServer]:
    """The server on each storage backend in turn: SQLite, then a fresh MySQL database."""
    config = Config(
        host="127.0.0.1", port=0, storage=storage_url, hash_cost=TEST_HASH_COST, **server_options
    )
    async with running(config) as chat:
        yield chat


@pytest.fixture
async def connect(server: ChatServer) -> AsyncIterator[Connect]:
    """Opens clients to the server; all are closed at the end of the test."""
    clients: list[WireClient] = []

    async def open_client(*, legacy: bool = False) -> WireClient:
        client = await WireClient.connect(
            server.port, legacy=legacy, max_frame=server.config.max_frame
        )
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        await client.close()


class Users:
    """Registers accounts and logs clients in, in either dialect."""

    def __init__(self, connect: Connect) -> None:
        self.connect = connect
        self.count = 0

    async def register(self, name: str | None = None, password: str = "pw") -> int:
        self.count += 1
        client = await self.connect()
        reply = await client.request(
            msgid=MsgId.REG, name=name or f"user{self.count}", password=password, v=2
        )
        assert reply["errno"] == 0, reply
        await client.close()
        return int(reply["id"])

    async def login(
        self, user_id: int, *, legacy: bool = False, password: str = "pw"
    ) -> tuple[WireClient, dict[str, Any]]:
        client = await self.connect(legacy=legacy)
        if legacy:
            await client.send(msgid=MsgId.LOGIN, id=user_id, password=password)
            ack = await client.expect(MsgId.LOGIN_ACK)
        else:
            ack = await client.request(msgid=MsgId.LOGIN, id=user_id, password=password, v=2)
        assert ack["errno"] == 0, ack
        return client, ack

    async def online(self, *, legacy: bool = False) -> tuple[int, WireClient]:
        user_id = await self.register()
        client, _ = await self.login(user_id, legacy=legacy)
        return user_id, client


@pytest.fixture
def users(connect: Connect) -> Users:
    return Users(connect)
