"""Blocking across two instances in one process, on MariaDB and Redis: what one instance
cached of a user's ties is forgotten when they block on another, and presence stops."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chatapp.protocol import MsgId
from chatapp.server.app import ChatServer
from chatapp.server.config import Config
from tests.server.conftest import TEST_HASH_COST, running
from tests.server.steps import acked, chat, make_friends
from tests.wire import WireClient

pytestmark = [pytest.mark.mysql, pytest.mark.redis]


@pytest.fixture
async def pair(mysql_url: str, redis_url: str) -> AsyncIterator[tuple[ChatServer, ChatServer]]:
    config = Config(
        host="127.0.0.1", port=0, storage=mysql_url, bus=redis_url, hash_cost=TEST_HASH_COST
    )
    async with running(config) as one, running(config) as two:
        yield one, two


async def online(server: ChatServer, name: str) -> tuple[int, WireClient]:
    client = await WireClient.connect(server.port)
    reply = await client.request(msgid=MsgId.REG, name=name, password="pw", v=2)
    user_id = int(reply["id"])
    ack = await client.request(msgid=MsgId.LOGIN, id=user_id, password="pw", v=2)
    assert ack["errno"] == 0, ack
    return user_id, client


async def test_a_block_on_one_instance_holds_on_the_other(
    pair: tuple[ChatServer, ChatServer],
) -> None:
    one, two = pair
    ann, a = await online(one, "ann")
    bob, b = await online(two, "bob")
    try:
        await make_friends(a, ann, b, bob)
        await chat(b, ann, "before")  # instance two keeps ann's ties in memory now
        assert (await a.expect(MsgId.ONE_CHAT))["msg"] == "before"
        assert two.ties.cached(ann) is not None
        await acked(a, MsgId.BLOCK, userid=bob)
        # Told after the change of ann's ties, on the same subscription: heard after it.
        gone = await b.expect(MsgId.PRESENCE)
        assert (gone["id"], gone["state"]) == (ann, "offline")
        assert two.ties.cached(ann) is None
        await chat(b, ann, "after")
        await a.quiet()
        assert (await acked(a, MsgId.HISTORY, peer=bob))["messages"][0]["msg"] == "before"
    finally:
        await a.close()
        await b.close()


async def test_a_message_request_is_told_and_answered_across_instances(
    pair: tuple[ChatServer, ChatServer],
) -> None:
    one, two = pair
    ann, a = await online(one, "ann")
    bob, b = await online(two, "bob")
    try:
        await acked(a, MsgId.SETTINGS, strangers="requests")
        mid = await chat(b, ann, "hello from the other instance")
        notice = await a.expect(MsgId.MESSAGE_REQUESTS)
        assert (notice["sender"]["id"], notice["sender"]["count"]) == (bob, 1)
        await acked(a, MsgId.MESSAGE_ANSWER, **{"from": bob, "accept": True})
        got = await a.expect(MsgId.ONE_CHAT)
        assert (got["mid"], got["msg"]) == (mid, "hello from the other instance")
        await chat(b, ann, "accepted now")  # instance two forgot ann's ties: no request
        assert (await a.expect(MsgId.ONE_CHAT))["msg"] == "accepted now"
        await a.quiet()
    finally:
        await a.close()
        await b.close()
