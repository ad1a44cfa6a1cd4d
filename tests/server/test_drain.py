"""Draining before a shutdown: current clients are told to move (DRAIN) and served until they
go, legacy ones hear nothing, new connections are refused and /readyz says draining."""

from __future__ import annotations

import asyncio

import pytest

from chatapp.protocol import MsgId
from chatapp.server.app import ChatServer
from tests.server.conftest import Users
from tests.server.test_metrics import get
from tests.wire import WireClient

DRAINING = pytest.mark.parametrize(
    "server_options", [{"metrics": "127.0.0.1:0", "drain_timeout": 30.0}]
)


async def read_to_end(client: WireClient) -> bytes:
    """Everything the server still sends, until it closes the connection."""
    async with asyncio.timeout(5):
        return await client.reader.read()


@DRAINING
async def test_current_clients_are_told_to_move_and_served_until_they_go(
    server: ChatServer, users: Users
) -> None:
    alice, carol = await users.register("alice"), await users.register("carol")
    bob = await users.register("bob")
    a, _ = await users.login(alice)
    b, _ = await users.login(bob, legacy=True)
    c = await users.connect()  # connected, not yet logged in

    port = server.port
    draining = asyncio.create_task(server.drain())
    drain = await a.expect(MsgId.DRAIN)
    assert 0 <= drain["retry_ms"] <= 1000, drain
    assert set(drain) == {"msgid", "retry_ms"}
    assert await get(server.probes.port, "/readyz") == (503, "draining\n")
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)  # nobody new

    # Still served: what it sends now is acknowledged, and kept.
    reply = await a.request(msgid=MsgId.ONE_CHAT, toid=carol, msg="while draining")
    assert reply["errno"] == 0 and reply["mid"], reply
    # A login on a connection made before the drain is told to move too, after its ack.
    ack = await c.request(msgid=MsgId.LOGIN, id=carol, password="pw", v=2)
    assert [m["mid"] for m in ack["offlinemsg"]] == [reply["mid"]]
    await c.expect(MsgId.DRAIN)
    assert not draining.done()

    await a.close()
    await c.close()  # every current client has gone: the drain ends before its time
    async with asyncio.timeout(5):
        await draining
    assert server.draining is not None and server.draining.told == 2
    assert server.draining.remaining == 0
    await b.quiet()  # the legacy client is still here, and was told nothing
    await server.shutdown()
    rest = await read_to_end(b)  # closed by the shutdown
    assert b'"msgid":49' not in rest + b"".join(b.raw_frames)


@pytest.mark.parametrize("server_options", [{"drain_timeout": 0.3}], ids=["drain_timeout=0.3"])
async def test_a_client_that_stays_is_waited_for_no_longer_than_the_drain_time(
    server: ChatServer, users: Users
) -> None:
    _, a = await users.online()
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with asyncio.timeout(5):
        await server.drain()
    assert 0.3 <= loop.time() - started < 3
    assert server.draining is not None and server.draining.remaining == 1
    await a.expect(MsgId.DRAIN)
    await server.shutdown()
    assert await a.closed()  # the shutdown closes whoever stayed


@DRAINING
async def test_a_cut_ends_the_wait_at_once(server: ChatServer, users: Users) -> None:
    _, a = await users.online()
    draining = asyncio.create_task(server.drain())
    await a.expect(MsgId.DRAIN)
    server.cut_drain()
    async with asyncio.timeout(5):
        await draining
    assert server.draining is not None and server.draining.remaining == 1
