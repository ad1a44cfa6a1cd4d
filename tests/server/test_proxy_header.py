"""The PROXY protocol v1 header from a load balancer: parsed strictly, used for the address."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chatapp.protocol import MsgId
from chatapp.server.app import ChatServer
from chatapp.server.config import Config
from chatapp.server.proxyheader import parse_proxy_v1
from tests.wire import WireClient


@pytest.mark.parametrize(
    ("line", "source"),
    [
        (b"PROXY TCP4 203.0.113.7 10.0.0.5 51234 6000\r", ("203.0.113.7", 51234)),
        (b"PROXY TCP6 2001:db8::1 2001:db8::2 4000 6000", ("2001:db8::1", 4000)),
        (b"PROXY UNKNOWN", None),
        (b"PROXY UNKNOWN ffff::1 ffff::2 1 2", None),
    ],
)
def test_valid_headers(line: bytes, source: tuple[str, int] | None) -> None:
    assert parse_proxy_v1(line) == source


@pytest.mark.parametrize(
    "line",
    [
        b'{"msgid":1}',
        b"PROXY",
        b"PROXY TCP4 203.0.113.7 10.0.0.5 51234",
        b"PROXY TCP4 2001:db8::1 10.0.0.5 1 2",
        b"PROXY TCP4 999.0.0.1 10.0.0.5 1 2",
        b"PROXY TCP4 203.0.113.7 10.0.0.5 70000 6000",
        b"PROXY UDP4 203.0.113.7 10.0.0.5 1 2",
        b"PROXY TCP4 " + b"1" * 200,
        b"PROXY TCP4 \xff 10.0.0.5 1 2",
    ],
)
def test_invalid_headers(line: bytes) -> None:
    with pytest.raises(ValueError):
        parse_proxy_v1(line)


@pytest.fixture
async def behind_proxy(tmp_path: Path) -> AsyncIterator[ChatServer]:
    config = Config(port=0, storage=f"sqlite:///{tmp_path}/c.db", hash_cost=10, proxy_protocol=True)
    server = ChatServer(config)
    await server.start()
    yield server
    await server.shutdown()


async def test_the_client_address_comes_from_the_header(behind_proxy: ChatServer) -> None:
    client = await WireClient.connect(behind_proxy.port)
    await client.send_raw(b"PROXY TCP4 203.0.113.7 127.0.0.1 51234 6000\r\n")
    reply = await client.request(msgid=MsgId.REG, name="ann", password="pw", v=2)
    assert reply["errno"] == 0
    (session,) = behind_proxy.sessions
    assert (session.host, session.peer) == ("203.0.113.7", "203.0.113.7:51234")
    await client.close()


async def test_a_connection_without_the_header_is_closed(behind_proxy: ChatServer) -> None:
    client = await WireClient.connect(behind_proxy.port)
    await client.send(msgid=MsgId.PING)
    assert await client.closed()
    healthy = await WireClient.connect(behind_proxy.port)
    await healthy.send_raw(b"PROXY UNKNOWN\r\n")
    await healthy.quiet()  # a balancer's own check; the server goes on serving
    await healthy.close()
