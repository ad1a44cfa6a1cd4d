"""One-to-one chat end to end: live delivery, offline storage, refusals and limits."""

from __future__ import annotations

import asyncio
from typing import Any

from chatapp.protocol import Errno, MsgId
from chatapp.server.config import Config
from tests.server.conftest import Connect, Users
from tests.server.steps import (
    acked,
    acknowledge,
    assert_has,
    assert_recent,
    chat,
    logout,
    online,
    refused,
)
from tests.wire import WireClient

LIMITS = Config()


async def test_online_chat_is_delivered_at_once_with_the_senders_real_identity(
    users: Users,
) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    ack = await acked(a, MsgId.ONE_CHAT, toid=bob, msg="hello", name="mallory", time="1999")
    assert ack == {"msgid": MsgId.ACK, "re": 6, "errno": 0, "mid": ack["mid"], "rid": ack["rid"]}
    got = await b.expect(MsgId.ONE_CHAT)
    assert_has(
        got,
        {
            "msgid": MsgId.ONE_CHAT,
            "id": alice,
            "name": "alice",
            "toid": bob,
            "msg": "hello",
            "time": got["time"],
            "mid": ack["mid"],
            "ts": got["ts"],
        },
    )
    assert_recent(got["time"], got["ts"])
    await a.quiet()
    await b.quiet()


async def test_chat_works_both_ways_and_mids_increase(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    mids = []
    for i in range(3):
        mids.append(await chat(a, bob, f"ping {i}"))
        assert (await b.expect(MsgId.ONE_CHAT))["msg"] == f"ping {i}"
        mids.append(await chat(b, alice, f"pong {i}"))
        assert (await a.expect(MsgId.ONE_CHAT))["msg"] == f"pong {i}"
    assert mids == sorted(mids) and len(set(mids)) == len(mids)


async def test_offline_chat_arrives_at_next_login_in_order_exactly_once(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    await logout(b)
    mids = [await chat(a, bob, f"message {i}") for i in range(5)]
    await b.close()

    b, ack = await users.login(bob)
    stored = ack["offlinemsg"]
    assert [m["mid"] for m in stored] == mids
    for i, message in enumerate(stored):
        assert_has(
            message,
            {
                "msgid": MsgId.ONE_CHAT,
                "id": alice,
                "name": "alice",
                "toid": bob,
                "msg": f"message {i}",
                "time": message["time"],
                "mid": mids[i],
                "ts": message["ts"],
            },
        )
        assert_recent(message["time"], message["ts"])
    # Once acknowledged, not delivered again: not live, not at the next login.
    await acknowledge(b, stored)
    await b.quiet()
    await logout(b)
    await b.close()
    _, again = await users.login(bob)
    assert again["offlinemsg"] == []


async def test_unacknowledged_deliveries_come_again_until_acknowledged(
    users: Users, connect: Connect
) -> None:
    """The current protocol delivers at least once: DELIVERED or LOGIN's `last` ends it."""
    _, a = await online(users, "alice")
    bob = await users.register("bob")
    mids = [await chat(a, bob, f"m{i}") for i in range(3)]
    b, first = await users.login(bob)
    await relogin_quietly(b)
    b, second = await users.login(bob)
    assert [m["mid"] for m in second["offlinemsg"]] == mids
    assert [m["seq"] for m in second["offlinemsg"]] == [m["seq"] for m in first["offlinemsg"]]
    # Holding the first message, the client asks only for what follows it.
    await relogin_quietly(b)
    b = await connect()
    last = second["offlinemsg"][0]["seq"]
    third = await b.request(msgid=MsgId.LOGIN, id=bob, password="pw", v=2, last=last)
    assert [m["mid"] for m in third["offlinemsg"]] == mids[1:]
    await acknowledge(b, third["offlinemsg"])
    await relogin_quietly(b)
    _, fourth = await users.login(bob)
    assert fourth["offlinemsg"] == []


async def relogin_quietly(client: WireClient) -> None:
    """Logs out and closes, with nothing else pending."""
    await client.quiet()
    await logout(client)
    await client.close()


SURVIVORS = [
    "it's \"quoted\" \\ and 'single'",
    "你好, ☃ and 🐍 (non-ASCII)",
    "x" * 600,
    "é" * LIMITS.max_message_chars,
    "line\nbreak\ttab",
    "'); DELETE FROM offline_messages; --",
]


async def test_any_valid_text_survives_offline_storage(users: Users) -> None:
    """Fault 9: quotes, non-ASCII and long texts were lost offline by the original."""
    _, a = await online(users, "alice")
    bob = await users.register("bob")
    mids = [await chat(a, bob, text) for text in SURVIVORS]
    _, ack = await users.login(bob)
    assert [(m["msg"], m["mid"]) for m in ack["offlinemsg"]] == list(
        zip(SURVIVORS, mids, strict=True)
    )


async def test_longest_text_is_delivered_online(users: Users) -> None:
    _, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    text = "é" * LIMITS.max_message_chars
    mid = await chat(a, bob, text)
    got = await b.expect(MsgId.ONE_CHAT)
    assert (got["msg"], got["mid"]) == (text, mid)


async def test_chat_to_an_unknown_user_is_refused(users: Users) -> None:
    _, a = await online(users, "alice")
    for toid in (999_999, 0, -5):
        await refused(a, MsgId.ONE_CHAT, Errno.NO_SUCH_USER, toid=toid, msg="anyone?")
    await a.quiet()


async def test_chat_text_must_be_neither_empty_nor_too_long(users: Users) -> None:
    _, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    carol = await users.register("carol")
    for text in ("", "x" * (LIMITS.max_message_chars + 1)):
        await refused(a, MsgId.ONE_CHAT, Errno.INVALID_ARGUMENT, toid=bob, msg=text)
        await refused(a, MsgId.ONE_CHAT, Errno.INVALID_ARGUMENT, toid=carol, msg=text)
    await b.quiet()
    _, ack = await users.login(carol)
    assert ack["offlinemsg"] == []


async def test_chat_to_a_user_who_just_left_is_kept_for_the_next_login(users: Users) -> None:
    _, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    live = await chat(a, bob, "before")
    got = await b.expect(MsgId.ONE_CHAT)
    assert got["mid"] == live
    await acknowledge(b, [got])
    await b.quiet()
    await b.close()
    assert await b.closed()
    later = await chat(a, bob, "after")
    _, ack = await users.login(bob)
    assert [m["mid"] for m in ack["offlinemsg"]] == [later]


async def test_many_chats_in_flight_all_arrive_in_order(users: Users) -> None:
    """Requests pipelined on one connection are answered and delivered in order."""
    _, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    count = 50
    for i in range(count):
        await a.send(msgid=MsgId.ONE_CHAT, toid=bob, msg=f"n{i}", rid=i)
    acks = [await a.expect(MsgId.ACK) for _ in range(count)]
    assert [ack["rid"] for ack in acks] == list(range(count))
    got = [await b.expect(MsgId.ONE_CHAT) for _ in range(count)]
    assert [m["msg"] for m in got] == [f"n{i}" for i in range(count)]
    assert [m["mid"] for m in got] == [ack["mid"] for ack in acks]
    await b.quiet()


async def read_chats(client: WireClient, first: list[dict[str, Any]], total: int) -> list[int]:
    """The mids of `first` (from a login ack) plus live chats until `total` have come."""
    mids = [m["mid"] for m in first]
    while len(mids) < total:
        mids.append((await client.expect(MsgId.ONE_CHAT))["mid"])
    await client.quiet()
    return mids


async def test_chats_racing_a_login_arrive_after_the_ack_exactly_once(
    users: Users, connect: Connect
) -> None:
    """Whether stored or live, every chat sent during the login arrives once, in order."""
    _, a = await online(users, "alice")
    bob = await users.register("bob")
    count = 40
    b = await connect()

    async def send_all() -> list[int]:
        return [await chat(a, bob, f"race {i}") for i in range(count)]

    async def log_in() -> dict[str, Any]:
        await b.send(msgid=MsgId.LOGIN, id=bob, password="pw", v=2, rid="in")
        return await b.recv()

    sent, ack = await asyncio.gather(send_all(), log_in())
    # The login ack is the very first thing bob receives.
    assert (ack["msgid"], ack["errno"], ack["rid"]) == (MsgId.LOGIN_ACK, 0, "in"), ack
    assert await read_chats(b, ack["offlinemsg"], count) == sent


async def test_chats_racing_a_logout_are_kept_for_the_next_login(
    users: Users, connect: Connect
) -> None:
    """Chats that reach bob before his logout are live, the rest stored: none lost or doubled."""
    _, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    count = 40

    async def send_all() -> list[int]:
        return [await chat(a, bob, f"race {i}") for i in range(count)]

    async def log_out() -> list[dict[str, Any]]:
        await b.send(msgid=MsgId.LOGOUT, rid="out")
        live = []
        while (reply := await b.recv())["msgid"] == MsgId.ONE_CHAT:
            live.append(reply)
        assert reply == {"msgid": MsgId.ACK, "re": MsgId.LOGOUT, "errno": 0, "rid": "out"}
        return live

    sent, live = await asyncio.gather(send_all(), log_out())
    await b.quiet()
    # Bob logs in again saying which deliveries he holds already.
    last = max((m["seq"] for m in live), default=0)
    b = await connect()
    ack = await b.request(msgid=MsgId.LOGIN, id=bob, password="pw", v=2, last=last)
    assert [m["mid"] for m in live] + [m["mid"] for m in ack["offlinemsg"]] == sent
