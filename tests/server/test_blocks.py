"""BLOCK and BLOCKS over real sockets: a blocked user's chats reach nobody and they are not
told; blocking ends the friendship and presence both ways; group chats are not affected."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chatapp.protocol import Errno, MsgId
from chatapp.server.app import ChatServer
from tests.server.conftest import Connect, Users, running
from tests.server.console import console_online
from tests.server.steps import (
    acked,
    befriend,
    chat,
    group_chat,
    heard,
    join,
    make_friends,
    new_group,
    online,
    refused,
    relogin,
    walk,
)
from tests.wire import WireClient

Obj = dict[str, Any]


async def history(client: WireClient, peer: int) -> list[Obj]:
    reply = await acked(client, MsgId.HISTORY, peer=peer)
    messages: list[Obj] = reply["messages"]
    return messages


async def blocked_list(client: WireClient, **fields: Any) -> list[Obj]:
    found: list[Obj] = []
    while True:
        after = {"after": found[-1]["id"]} if found else {}
        page = await acked(client, MsgId.BLOCKS, **fields, **after)
        found += page["blocked"]
        if not page["more"]:
            return found


async def test_a_blocked_users_chat_is_acked_as_delivered_but_reaches_nobody(users: Users) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    carl, c = await online(users, "carl")
    assert await acked(a, MsgId.BLOCK, userid=bob, block=True)
    normal = await b.request(msgid=MsgId.ONE_CHAT, toid=carl, msg="to carl", cid="c1")
    await c.expect(MsgId.ONE_CHAT)
    dropped = await b.request(msgid=MsgId.ONE_CHAT, toid=ann, msg="to ann", cid="c2")
    assert list(dropped) == list(normal)  # the same shape: msgid, re, errno, mid, rid
    assert (dropped["re"], dropped["errno"]) == (MsgId.ONE_CHAT, 0)
    assert dropped["mid"] > normal["mid"]
    again = await b.request(msgid=MsgId.ONE_CHAT, toid=ann, msg="to ann", cid="c2")
    assert again["mid"] == dropped["mid"]  # a retry is answered as a logged chat's is
    await a.quiet()
    assert await history(a, bob) == []
    assert await history(b, ann) == []


async def test_a_blocked_legacy_user_hears_nothing_and_the_blocker_gets_nothing(
    users: Users, connect: Connect
) -> None:
    ann, a = await online(users, "ann")
    bob, console = await console_online(users, connect, "bob")
    await acked(a, MsgId.BLOCK, userid=bob)  # `block` defaults to true
    await console.chat(ann, "hello?")
    await console.client.quiet()
    await a.quiet()
    assert await history(a, bob) == []


@pytest.mark.parametrize("server_options", [{"held_per_sender": 2}])
async def test_a_blocked_user_is_refused_as_any_stranger_where_strangers_are(
    users: Users,
) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    _, c = await online(users, "carl")
    await acked(a, MsgId.SETTINGS, strangers="nobody")
    await acked(a, MsgId.BLOCK, userid=bob)
    blocked = await refused(b, MsgId.ONE_CHAT, Errno.NOT_ACCEPTED, toid=ann, msg="hi")
    stranger = await refused(c, MsgId.ONE_CHAT, Errno.NOT_ACCEPTED, toid=ann, msg="hi")
    del blocked["rid"], stranger["rid"]
    assert blocked == stranger  # nothing tells the blocked one apart
    await acked(a, MsgId.SETTINGS, strangers="requests")
    await chat(b, ann, "held? no: dropped")  # acked as a held chat is
    retried = await b.request(msgid=MsgId.ONE_CHAT, toid=ann, msg="x", cid="k")
    again = await b.request(msgid=MsgId.ONE_CHAT, toid=ann, msg="x", cid="k")
    assert again["mid"] == retried["mid"]  # a retry counts once, as a held one does
    # As many as a stranger may have held, then the refusal a stranger would get.
    reply = await refused(b, MsgId.ONE_CHAT, Errno.REQUEST_WAITING, toid=ann, msg="3")
    assert reply["errmsg"] == f"waiting for user {ann} to answer your message request"
    await a.quiet()  # and no message request for ann
    page = await acked(a, MsgId.MESSAGE_REQUESTS)
    assert (page["senders"], page["more"]) == ([], False)


async def test_unblocking_lets_chats_through_again(users: Users) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    await acked(a, MsgId.BLOCK, userid=bob, block=True)
    await chat(b, ann, "lost")
    await acked(a, MsgId.BLOCK, userid=bob, block=False)
    await chat(b, ann, "found")
    got = await a.expect(MsgId.ONE_CHAT)
    assert (got["id"], got["msg"]) == (bob, "found")
    assert [m["msg"] for m in await history(a, bob)] == ["found"]
    await a.quiet()


async def test_blocking_ends_the_friendship_and_presence_both_ways(users: Users) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    await make_friends(a, ann, b, bob)
    await acked(a, MsgId.BLOCK, userid=bob)
    gone = await b.expect(MsgId.PRESENCE)  # bob sees ann go offline, nothing of a block
    assert (gone["id"], gone["state"]) == (ann, "offline")
    assert await walk(a, MsgId.FRIENDS) == []
    assert await walk(b, MsgId.FRIENDS) == []
    b, _ = await relogin(users, b, bob)  # bob leaves and comes back: ann hears nothing
    await a.quiet()
    a, _ = await relogin(users, a, ann)  # and the other way
    await b.quiet()


async def test_a_blocked_user_cannot_befriend_the_blocker_and_is_not_told(
    users: Users, connect: Connect
) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    await acked(a, MsgId.BLOCK, userid=bob)
    assert await befriend(b, ann) == {"id": ann, "name": "ann", "state": "offline"}
    _, console = await console_online(users, connect, "carl")
    await acked(a, MsgId.BLOCK, userid=console.id)
    await console.add_friend(ann)  # the console client's add-friend: no reply, as ever
    await console.client.quiet()
    await a.quiet()  # no FRIEND_EVENT, no presence
    assert (await acked(a, MsgId.REQUESTS, dir="in"))["requests"] == []
    assert await walk(a, MsgId.FRIENDS) == []
    assert await walk(b, MsgId.FRIENDS) == []
    await chat(b, ann, "still dropped")
    await a.quiet()


async def test_blocks_are_listed_in_pages(users: Users) -> None:
    _, a = await online(users, "ann")
    others = [await users.register(f"u{n}") for n in range(5)]
    for other in others:
        await acked(a, MsgId.BLOCK, userid=other)
    await acked(a, MsgId.BLOCK, userid=others[0])  # again: no change
    await acked(a, MsgId.BLOCK, userid=others[1], block=False)
    listed = await blocked_list(a, limit=2)
    expected = [o for o in others if o != others[1]]
    assert [u["id"] for u in listed] == expected
    assert listed[0] == {"id": others[0], "name": "u0"}


async def test_blocking_oneself_or_nobody_is_refused(users: Users) -> None:
    ann, a = await online(users, "ann")
    await refused(a, MsgId.BLOCK, Errno.INVALID_ARGUMENT, userid=ann)
    await refused(a, MsgId.BLOCK, Errno.NO_SUCH_USER, userid=ann + 1000)
    await refused(a, MsgId.BLOCK, Errno.BAD_FIELD, userid="x")
    await refused(a, MsgId.BLOCKS, Errno.INVALID_ARGUMENT, limit=0)
    assert await blocked_list(a) == []


@pytest.mark.parametrize("server_options", [{"max_blocks": 2}])
async def test_blocks_are_bounded(users: Users) -> None:
    _, a = await online(users, "ann")
    others = [await users.register(f"u{n}") for n in range(3)]
    await acked(a, MsgId.BLOCK, userid=others[0])
    await acked(a, MsgId.BLOCK, userid=others[1])
    await refused(a, MsgId.BLOCK, Errno.INVALID_ARGUMENT, userid=others[2])
    await acked(a, MsgId.BLOCK, userid=others[1])  # one blocked already is no new one
    assert [u["id"] for u in await blocked_list(a)] == others[:2]


async def test_blocking_does_not_change_group_chats(users: Users) -> None:
    _, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    group = await new_group(a, "team")
    await join(b, group)
    await heard(a, ("joined", bob))
    await acked(a, MsgId.BLOCK, userid=bob)
    await group_chat(b, group, "still heard in the group")
    got = await a.expect(MsgId.GROUP_CHAT)
    assert (got["id"], got["msg"]) == (bob, "still heard in the group")


async def test_blocks_need_a_login(users: Users) -> None:
    client = await users.connect()
    for msgid in (MsgId.BLOCK, MsgId.BLOCKS):
        reply = await client.request(msgid=msgid, userid=1)
        assert (reply["msgid"], reply["errno"]) == (MsgId.ERROR, Errno.NOT_LOGGED_IN)


async def test_a_restart_keeps_blocks(server: ChatServer, users: Users) -> None:
    ann, a = await online(users, "ann")
    bob = await users.register("bob")
    await acked(a, MsgId.BLOCK, userid=bob)
    await a.close()
    await server.shutdown()
    async with running(replace(server.config, port=0)) as again:
        a = await WireClient.connect(again.port)
        b = await WireClient.connect(again.port)
        try:
            for client, user in ((a, ann), (b, bob)):
                ack = await client.request(msgid=MsgId.LOGIN, id=user, password="pw", v=2)
                assert ack["errno"] == 0, ack
            assert [u["id"] for u in await blocked_list(a)] == [bob]
            await chat(b, ann, "after the restart")
            await a.quiet()
        finally:
            await a.close()
            await b.close()
