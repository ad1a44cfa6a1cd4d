"""Heartbeats: silent pinging clients are dropped, pinging ones kept, legacy ones spared."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chatapp.protocol import MsgId
from chatapp.server.app import ChatServer
from chatapp.server.config import Config
from tests.wire import WireClient

IDLE = 0.6


@pytest.fixture
async def quick_server(tmp_path: Path) -> AsyncIterator[ChatServer]:
    config = Config(
        port=0, storage=f"sqlite:///{tmp_path}/c.db", hash_cost=10, idle_timeout=IDLE,
        login_timeout=IDLE,
    )  # fmt: skip
    server = ChatServer(config)
    await server.start()
    yield server
    await server.shutdown()


async def register_and_login(port: int, name: str, *, legacy: bool) -> WireClient:
    client = await WireClient.connect(port, legacy=legacy)
    reply = await client.request(msgid=MsgId.REG, name=name, password="pw", v=2)
    if legacy:
        await client.send(msgid=MsgId.LOGIN, id=reply["id"], password="pw")
        assert (await client.expect(MsgId.LOGIN_ACK))["errno"] == 0
    else:
        ack = await client.request(msgid=MsgId.LOGIN, id=reply["id"], password="pw", v=2)
        assert ack["errno"] == 0
    return client


async def test_a_silent_connection_is_closed_and_its_user_goes_offline(
    quick_server: ChatServer,
) -> None:
    client = await register_and_login(quick_server.port, "quiet", legacy=False)
    assert await client.closed(timeout=IDLE * 20)
    async with asyncio.timeout(5):
        while await quick_server.bus.online([1]):
            await asyncio.sleep(0.02)  # the logout runs after the close


async def test_a_connection_that_never_logs_in_is_closed(quick_server: ChatServer) -> None:
    client = await WireClient.connect(quick_server.port)
    assert await client.closed(timeout=IDLE * 20)


async def test_pinging_keeps_a_connection_open(quick_server: ChatServer) -> None:
    client = await register_and_login(quick_server.port, "pinger", legacy=False)
    loop = asyncio.get_running_loop()
    end = loop.time() + IDLE * 4
    while loop.time() < end:
        pong = await client.request(msgid=MsgId.PING)
        assert pong["msgid"] == MsgId.PONG
        await asyncio.sleep(IDLE / 4)  # the client's ping interval
    await client.quiet()


async def test_legacy_clients_which_cannot_ping_are_not_cut_off(
    quick_server: ChatServer,
) -> None:
    legacy = await register_and_login(quick_server.port, "old", legacy=True)
    watcher = await register_and_login(quick_server.port, "new", legacy=False)
    # The modern client pings through several idle periods; the legacy one says nothing.
    for _ in range(6):
        await watcher.request(msgid=MsgId.PING)
        await asyncio.sleep(IDLE / 2)
    await watcher.request(msgid=MsgId.ONE_CHAT, toid=1, msg="still there?")
    assert (await legacy.expect(MsgId.ONE_CHAT))["msg"] == "still there?"


async def test_each_connection_probes_a_silent_peer_with_tcp_keepalive(
    quick_server: ChatServer,
) -> None:
    """Set on the listening socket, inherited by each connection: a dead legacy client,
    which cannot PING, is found in about 90 s."""
    client = await register_and_login(quick_server.port, "console", legacy=True)
    (session,) = quick_server.sessions
    sock = session._transport.get_extra_info("socket") if session._transport else None
    assert sock is not None
    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 60
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == 10
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 3
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    await client.close()
