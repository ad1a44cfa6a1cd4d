"""Receipts and typing notices reach a user logged in on another instance: two servers
on one MySQL database and one Redis bus."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chatapp.protocol import MsgId
from chatapp.server.app import ChatServer
from chatapp.server.config import Config
from tests.server.conftest import TEST_HASH_COST, running
from tests.server.steps import acked
from tests.wire import WireClient


@pytest.fixture
async def two(mysql_url: str, redis_url: str) -> AsyncIterator[tuple[ChatServer, ChatServer]]:
    config = Config(port=0, storage=mysql_url, bus=redis_url, hash_cost=TEST_HASH_COST)
    async with running(config) as first, running(config) as second:
        yield first, second


async def online(server: ChatServer, name: str) -> tuple[int, WireClient]:
    client = await WireClient.connect(server.port)
    reg = await client.request(msgid=MsgId.REG, name=name, password="pw", v=2)
    ack = await client.request(msgid=MsgId.LOGIN, id=reg["id"], password="pw", v=2)
    assert ack["errno"] == 0, ack
    return int(reg["id"]), client


@pytest.mark.mysql
@pytest.mark.redis
async def test_receipts_and_typing_cross_instances(two: tuple[ChatServer, ChatServer]) -> None:
    ann, a = await online(two[0], "ann")
    bob, b = await online(two[1], "bob")
    try:
        await acked(a, MsgId.TYPING, peer=bob)
        assert (await b.expect(MsgId.TYPING))["from"] == {"id": ann, "name": "ann"}
        mid = (await acked(a, MsgId.ONE_CHAT, toid=bob, msg="across"))["mid"]
        assert (await b.expect(MsgId.ONE_CHAT))["mid"] == mid
        await acked(b, MsgId.READ, peer=ann, mid=mid)
        assert await a.expect(MsgId.RECEIPT) == {"msgid": MsgId.RECEIPT, "peer": bob, "mid": mid}
        page = await acked(a, MsgId.CONVERSATIONS)
        assert [(c["peer"]["id"], c["unread"]) for c in page["conversations"]] == [(bob, 0)]
        page = await acked(b, MsgId.CONVERSATIONS)
        assert [(c["peer"]["id"], c["read"]) for c in page["conversations"]] == [(ann, mid)]
    finally:
        await a.close()
        await b.close()
