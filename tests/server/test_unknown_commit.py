"""A chat whose COMMIT was answered on a lost connection: the sender hears errno 51 and
retries with the same cid; the retry is acknowledged with the message the first attempt
logged, and the recipients online get it live, once. On MariaDB, through a proxy that
lets the COMMIT through and loses its answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chatapp.protocol import Errno, MsgId
from chatapp.server.app import ChatServer
from chatapp.server.config import Config
from tests.server.conftest import TEST_HASH_COST, Users, running
from tests.server.mysql_proxy import MySQLProxy
from tests.server.steps import acked, heard, online
from tests.wire import WireClient

pytestmark = pytest.mark.mysql


@pytest.fixture
async def proxy(mysql_url: str) -> AsyncIterator[MySQLProxy]:
    relay = MySQLProxy(mysql_url)
    await relay.start()
    yield relay
    await relay.stop()


@pytest.fixture
async def server(proxy: MySQLProxy) -> AsyncIterator[ChatServer]:
    """The server on a fresh MariaDB database, through the proxy."""
    config = Config(host="127.0.0.1", port=0, storage=proxy.url, hash_cost=TEST_HASH_COST)
    async with running(config) as chat:
        yield chat


async def lost_then_retried(
    proxy: MySQLProxy, sender: WireClient, msgid: MsgId, **chat: object
) -> dict[str, object]:
    """Sends a chat whose COMMIT's answer is lost, then again with the same cid; returns
    the retry's ACK."""
    proxy.lose_next_commit = True
    first = await sender.request(msgid=msgid, cid="c-1", **chat)
    assert proxy.lost.is_set()
    assert (first["msgid"], first["errno"]) == (MsgId.ERROR, Errno.UNAVAILABLE), first
    return await acked(sender, msgid, cid="c-1", **chat)


async def test_a_retry_after_an_unknown_commit_is_delivered_live_once(
    proxy: MySQLProxy, users: Users
) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    ack = await lost_then_retried(proxy, a, MsgId.ONE_CHAT, toid=bob, msg="hello")
    got = await b.expect(MsgId.ONE_CHAT)
    assert (got["mid"], got["id"], got["msg"], got["seq"]) == (ack["mid"], alice, "hello", 1)
    await b.quiet()
    # It was logged once, by the first attempt: the retry's ACK names that message.
    history = await acked(a, MsgId.HISTORY, peer=bob)
    assert [m["mid"] for m in history["messages"]] == [ack["mid"]]
    # What follows is numbered after it.
    later = await acked(a, MsgId.ONE_CHAT, toid=bob, msg="later", cid="c-2")
    got = await b.expect(MsgId.ONE_CHAT)
    assert (got["mid"], got["seq"]) == (later["mid"], 2)
    await b.quiet()


async def test_a_retried_group_chat_reaches_every_member_online_once(
    proxy: MySQLProxy, server: ChatServer, users: Users
) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    carol, c = await online(users, "carol", legacy=True)
    group = (await acked(a, MsgId.CREATE_GROUP, groupname="g"))["groupid"]
    await acked(b, MsgId.ADD_GROUP, groupid=group)
    await c.send(msgid=MsgId.ADD_GROUP, id=carol, groupid=group)
    await c.quiet()
    await heard(a, ("joined", bob), ("joined", carol))
    await heard(b, ("joined", carol))
    ack = await lost_then_retried(proxy, a, MsgId.GROUP_CHAT, groupid=group, msg="all")
    got = await b.expect(MsgId.GROUP_CHAT)
    assert (got["mid"], got["id"], got["msg"]) == (ack["mid"], alice, "all")
    legacy = await c.expect(MsgId.GROUP_CHAT)
    assert (legacy["id"], legacy["groupid"], legacy["msg"]) == (alice, group, "all")
    await b.quiet()
    await c.quiet()
    await a.quiet()  # the sender does not get its own chat
    # The legacy member counts it as delivered: it does not come again at its next login.
    await c.send(msgid=MsgId.LOGOUT, id=carol)
    await c.quiet()
    await server.journal.drain()
    await c.send(msgid=MsgId.LOGIN, id=carol, password="pw")
    assert "offlinemsg" not in await c.expect(MsgId.LOGIN_ACK)
