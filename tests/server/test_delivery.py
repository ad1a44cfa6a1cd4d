"""The message log: sequence numbers, acknowledgements, resuming, retries, sync, history
and resume tokens, end to end over real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from chatapp.protocol import Errno, MsgId
from chatapp.server.app import ChatServer
from chatapp.server.config import Config
from tests.server.conftest import TEST_HASH_COST
from tests.wire import WireClient

PAGE = 5
Obj = dict[str, Any]


class Harness:
    """A server with small pages, and helpers to register and log in over real sockets."""

    def __init__(self, server: ChatServer) -> None:
        self.server = server
        self.clients: list[WireClient] = []
        self.count = 0

    async def connect(self, *, legacy: bool = False) -> WireClient:
        client = await WireClient.connect(self.server.port, legacy=legacy)
        self.clients.append(client)
        return client

    async def register(self) -> int:
        self.count += 1
        client = await self.connect()
        reply = await client.request(msgid=MsgId.REG, name=f"u{self.count}", password="pw", v=2)
        await client.close()
        return int(reply["id"])

    async def login(
        self, user_id: int, *, legacy: bool = False, **extra: Any
    ) -> tuple[WireClient, Obj]:
        client = await self.connect(legacy=legacy)
        if legacy:
            await client.send(msgid=MsgId.LOGIN, id=user_id, password="pw")
            ack = await client.expect(MsgId.LOGIN_ACK)
        else:
            ack = await client.request(msgid=MsgId.LOGIN, id=user_id, password="pw", v=2, **extra)
        assert ack["errno"] == 0, ack
        return client, ack


@pytest.fixture
async def harness(storage_url: str) -> AsyncIterator[Harness]:
    config = Config(
        port=0, storage=storage_url, hash_cost=TEST_HASH_COST, sync_page=PAGE,
        resume_token_ttl=60,
    )  # fmt: skip
    server = ChatServer(config)
    await server.start()
    harness = Harness(server)
    yield harness
    for client in harness.clients:
        await client.close()
    await server.shutdown()


async def send(client: WireClient, to: int, text: str, **extra: Any) -> Obj:
    ack = await client.request(msgid=MsgId.ONE_CHAT, toid=to, msg=text, **extra)
    assert (ack["msgid"], ack["errno"]) == (MsgId.ACK, 0), ack
    return ack


async def sent_while_away(h: Harness, count: int) -> tuple[int, WireClient, int, list[int]]:
    """Alice online, Bob registered but away; Alice sends `count` messages to Bob."""
    alice = await h.register()
    bob = await h.register()
    a, _ = await h.login(alice)
    mids = [(await send(a, bob, f"m{i}"))["mid"] for i in range(count)]
    return alice, a, bob, mids


async def test_live_deliveries_are_numbered_per_recipient(harness: Harness) -> None:
    alice, bob = await harness.register(), await harness.register()
    a, _ = await harness.login(alice)
    b, _ = await harness.login(bob)
    for i in range(3):
        await send(a, bob, f"m{i}")
        await send(b, alice, f"r{i}")
    assert [(await b.expect(MsgId.ONE_CHAT))["seq"] for _ in range(3)] == [1, 2, 3]
    assert [(await a.expect(MsgId.ONE_CHAT))["seq"] for _ in range(3)] == [1, 2, 3]


async def test_acknowledged_messages_are_not_sent_again(harness: Harness) -> None:
    _, _, bob, mids = await sent_while_away(harness, 3)
    b, ack = await harness.login(bob)
    assert [(m["mid"], m["seq"]) for m in ack["offlinemsg"]] == list(
        zip(mids, [1, 2, 3], strict=True)
    )
    await b.send(msgid=MsgId.DELIVERED, seq=3)
    await b.quiet()  # DELIVERED gets no reply
    await b.request(msgid=MsgId.LOGOUT)
    _, again = await harness.login(bob)
    assert again["offlinemsg"] == []


async def test_unacknowledged_messages_come_again_with_the_same_numbers(harness: Harness) -> None:
    _, _, bob, mids = await sent_while_away(harness, 3)
    b, first = await harness.login(bob)
    await b.send(msgid=MsgId.DELIVERED, seq=1)  # the client had only the first one
    await b.close()
    await b.closed()
    _, second = await harness.login(bob)
    assert [(m["mid"], m["seq"]) for m in second["offlinemsg"]] == list(
        zip(mids[1:], [2, 3], strict=True)
    )
    assert second["offlinemsg"] == first["offlinemsg"][1:]


async def test_login_resumes_after_the_last_number_the_client_holds(harness: Harness) -> None:
    _, _, bob, mids = await sent_while_away(harness, 4)
    _, ack = await harness.login(bob, last=2)
    assert [m["mid"] for m in ack["offlinemsg"]] == mids[2:]
    assert ack["last"] == 2


async def test_a_long_absence_arrives_in_pages_after_the_ack(harness: Harness) -> None:
    _, _, bob, mids = await sent_while_away(harness, PAGE * 3 + 2)
    b, ack = await harness.login(bob)
    assert ack["more"] is True
    got = [m["mid"] for m in ack["offlinemsg"]]
    assert len(got) == PAGE
    while len(got) < len(mids):
        got.append((await b.expect(MsgId.ONE_CHAT))["mid"])
    assert got == mids
    await b.quiet()


async def test_legacy_clients_get_each_message_once_as_the_original_did(harness: Harness) -> None:
    alice = await harness.register()
    old = await harness.register()
    a, _ = await harness.login(alice)
    await send(a, old, "stored")
    legacy, ack = await harness.login(old, legacy=True)
    assert len(ack["offlinemsg"]) == 1
    await send(a, old, "live")
    assert (await legacy.expect(MsgId.ONE_CHAT))["msg"] == "live"
    await legacy.send(msgid=MsgId.LOGOUT, id=old)
    await legacy.quiet()
    await harness.server.journal.drain()  # the automatic acknowledgements are written
    _, again = await harness.login(old, legacy=True)
    assert "offlinemsg" not in again


async def test_a_retried_message_is_not_logged_twice(harness: Harness) -> None:
    alice, bob = await harness.register(), await harness.register()
    a, _ = await harness.login(alice)
    b, _ = await harness.login(bob)
    first = await send(a, bob, "once", cid="c-1")
    again = await send(a, bob, "once", cid="c-1")  # the first ACK was "lost"
    assert again["mid"] == first["mid"]
    other = await send(a, bob, "twice", cid="c-2")
    assert (await b.expect(MsgId.ONE_CHAT))["mid"] == first["mid"]
    assert (await b.expect(MsgId.ONE_CHAT))["mid"] == other["mid"]
    await b.quiet()


async def test_concurrent_retries_share_one_message(harness: Harness) -> None:
    alice, bob = await harness.register(), await harness.register()
    a, _ = await harness.login(alice)
    # Five copies on the wire before the first is committed.
    for rid in range(5):
        await a.send(msgid=MsgId.ONE_CHAT, toid=bob, msg="same", cid="burst", rid=rid)
    acks = [await a.reply_to(rid) for rid in range(5)]
    assert {ack["errno"] for ack in acks} == {0}
    assert len({ack["mid"] for ack in acks}) == 1
    _, ack = await harness.login(bob)
    assert len(ack["offlinemsg"]) == 1


async def test_sync_returns_what_follows_a_number(harness: Harness) -> None:
    _, _, bob, mids = await sent_while_away(harness, PAGE + 2)
    b, _ = await harness.login(bob, last=PAGE + 2)  # claims to have everything
    reply = await b.request(msgid=MsgId.SYNC, last=1, limit=3)
    assert [m["mid"] for m in reply["messages"]] == mids[1:4]
    assert reply["more"] is True
    tail = await b.request(msgid=MsgId.SYNC, last=4)
    assert [m["seq"] for m in tail["messages"]] == list(range(5, PAGE + 3))
    assert tail["more"] is False


async def test_history_pages_back_through_a_conversation(harness: Harness) -> None:
    alice, bob = await harness.register(), await harness.register()
    a, _ = await harness.login(alice)
    b, _ = await harness.login(bob)
    mids = []
    for i in range(7):
        sender, to = (a, bob) if i % 2 else (b, alice)
        mids.append((await send(sender, to, f"h{i}"))["mid"])
    page = await a.request(msgid=MsgId.HISTORY, peer=bob, limit=4)
    assert [m["mid"] for m in page["messages"]] == mids[::-1][:4]
    assert page["more"] is True
    rest = await a.request(msgid=MsgId.HISTORY, peer=bob, before=page["messages"][-1]["mid"])
    assert [m["mid"] for m in rest["messages"]] == mids[::-1][4:]
    assert rest["more"] is False
    mine = await b.request(msgid=MsgId.HISTORY, peer=alice, limit=PAGE)
    assert [m["mid"] for m in mine["messages"]] == mids[::-1][:PAGE]
    assert all("seq" not in m for m in mine["messages"])


async def test_group_history_is_for_members_only(harness: Harness) -> None:
    alice, bob, eve = [await harness.register() for _ in range(3)]
    a, _ = await harness.login(alice)
    b, _ = await harness.login(bob)
    e, _ = await harness.login(eve)
    gid = (await a.request(msgid=MsgId.CREATE_GROUP, groupname="g"))["groupid"]
    await b.request(msgid=MsgId.ADD_GROUP, groupid=gid)
    mid = (await b.request(msgid=MsgId.GROUP_CHAT, groupid=gid, msg="hi"))["mid"]
    page = await a.request(msgid=MsgId.HISTORY, groupid=gid)
    assert [(m["mid"], m["msg"]) for m in page["messages"]] == [(mid, "hi")]
    refused = await e.request(msgid=MsgId.HISTORY, groupid=gid)
    assert (refused["msgid"], refused["errno"]) == (MsgId.ERROR, Errno.NOT_A_MEMBER)
    bad = await e.request(msgid=MsgId.HISTORY, peer=alice, limit=0)
    assert bad["errno"] == Errno.INVALID_ARGUMENT


async def test_resume_tokens_log_in_once_each_and_die_at_logout(harness: Harness) -> None:
    alice = await harness.register()
    a, ack = await harness.login(alice)
    first = ack["token"]
    await a.close()
    await a.closed()

    async def by_token(token: str) -> Obj:
        client = await harness.connect()
        return await client.request(msgid=MsgId.LOGIN, token=token, v=2)

    resumed = await _retry_while_online(lambda: by_token(first))  # refusals keep the token
    assert (resumed["errno"], resumed["id"], resumed["name"]) == (0, alice, "u1")
    second = resumed["token"]
    assert second != first
    spent = await by_token(first)
    assert (spent["msgid"], spent["errno"]) == (MsgId.LOGIN_ACK, Errno.BAD_CREDENTIALS)

    holder = harness.clients[-2]
    await holder.request(msgid=MsgId.LOGOUT)
    revoked = await by_token(second)
    assert revoked["errno"] == Errno.BAD_CREDENTIALS
    forged = await by_token("not-a-token")
    assert forged["errno"] == Errno.BAD_CREDENTIALS


async def test_an_expired_token_is_refused(harness: Harness) -> None:
    alice = await harness.register()
    a, ack = await harness.login(alice)
    await a.request(msgid=MsgId.PING)
    await a.close()
    await a.closed()
    harness.server.clock = lambda: 10**10  # far beyond the 60 s the tokens live
    client = await harness.connect()
    reply = await client.request(msgid=MsgId.LOGIN, token=ack["token"], v=2)
    assert reply["errno"] == Errno.BAD_CREDENTIALS


async def test_many_concurrent_senders_lose_nothing(harness: Harness) -> None:
    sink = await harness.register()
    senders = [await harness.register() for _ in range(8)]
    clients = [(await harness.login(uid))[0] for uid in senders]
    s, _ = await harness.login(sink)

    async def burst(client: WireClient, i: int) -> list[Obj]:
        return [await send(client, sink, f"{i}-{k}") for k in range(10)]

    acks = [ack for acks in await asyncio.gather(*map(burst, clients, range(8))) for ack in acks]
    got = [await s.expect(MsgId.ONE_CHAT) for _ in acks]
    assert sorted(m["seq"] for m in got) == list(range(1, len(acks) + 1))
    assert {m["mid"] for m in got} == {ack["mid"] for ack in acks}


async def _retry_while_online(attempt: Callable[[], Awaitable[Obj]]) -> Obj:
    """The previous connection's logout runs just after its close: retry until done."""
    async with asyncio.timeout(5):
        while True:
            reply = await attempt()
            if reply["errno"] != Errno.ALREADY_ONLINE:
                return reply
            await asyncio.sleep(0.02)


async def test_a_token_takes_over_its_devices_session_still_up(harness: Harness) -> None:
    alice = await harness.register()
    a, ack = await harness.login(alice)
    reconnect = await harness.connect()
    resumed = await reconnect.request(msgid=MsgId.LOGIN, token=ack["token"], v=2)
    assert resumed["errno"] == 0  # the old connection died unnoticed, say
    assert (await a.expect(MsgId.ERROR))["errno"] == Errno.NOT_LOGGED_IN
    assert await a.closed()
    again = await harness.connect()
    spent = await again.request(msgid=MsgId.LOGIN, token=ack["token"], v=2)
    assert spent["errno"] == Errno.BAD_CREDENTIALS  # it served once
    assert (await again.request(msgid=MsgId.LOGIN, token=resumed["token"], v=2))["errno"] == 0
