"""The strangers setting over real sockets: chats from users who are not friends are
delivered, refused, or held as message requests until the recipient answers them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chatapp.protocol import Errno, MsgId
from chatapp.server.app import ChatServer
from chatapp.server.storage import Ties
from tests.server.conftest import Connect, Users, running
from tests.server.console import console_online
from tests.server.steps import (
    acked,
    chat,
    decoded,
    logout,
    make_friends,
    online,
    refused,
    relogin,
)
from tests.wire import WireClient

Obj = dict[str, Any]


async def strangers(client: WireClient, value: str) -> None:
    reply = await acked(client, MsgId.SETTINGS, strangers=value)
    assert reply["settings"]["strangers"] == value


async def requests(client: WireClient, **fields: Any) -> list[Obj]:
    found: list[Obj] = []
    while True:
        after = {"after": found[-1]["id"]} if found else {}
        page = await acked(client, MsgId.MESSAGE_REQUESTS, **fields, **after)
        found += page["senders"]
        if not page["more"]:
            return found


async def texts_of(client: WireClient, peer: int) -> list[str]:
    reply = await acked(client, MsgId.HISTORY, peer=peer)
    return [m["msg"] for m in reversed(reply["messages"])]


async def test_everyone_takes_chats_from_strangers(users: Users) -> None:
    ann, a = await online(users, "ann")
    _, b = await online(users, "bob")
    await strangers(a, "everyone")
    await chat(b, ann, "hi")
    assert (await a.expect(MsgId.ONE_CHAT))["msg"] == "hi"


async def test_nobody_refuses_strangers_in_both_dialects_but_not_friends(
    users: Users, connect: Connect
) -> None:
    ann, a = await online(users, "ann")
    _, b = await online(users, "bob")
    carl, c = await online(users, "carl")
    await make_friends(a, ann, c, carl)
    await strangers(a, "nobody")
    reply = await refused(b, MsgId.ONE_CHAT, Errno.NOT_ACCEPTED, toid=ann, msg="hi")
    assert reply["errmsg"] == f"user {ann} takes messages from friends only"
    _, console = await console_online(users, connect, "dan")
    await console.chat(ann, "hi from the console")
    error = await console.client.expect(MsgId.ERROR)  # which the console client ignores
    assert (error["errno"], error["re"]) == (Errno.NOT_ACCEPTED, MsgId.ONE_CHAT)
    await chat(c, ann, "from a friend")
    assert (await a.expect(MsgId.ONE_CHAT))["msg"] == "from a friend"
    await strangers(a, "everyone")  # the change takes effect at once
    await chat(b, ann, "now it goes")
    assert (await a.expect(MsgId.ONE_CHAT))["msg"] == "now it goes"


async def test_requests_hold_a_strangers_chats_and_tell_the_recipient(users: Users) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    await strangers(a, "requests")
    first = await chat(b, ann, "hello ann")
    notice = await a.expect(MsgId.MESSAGE_REQUESTS)
    sender = notice["sender"]
    assert (sender["id"], sender["name"], sender["count"]) == (bob, "bob", 1)
    assert [(m["mid"], m["msg"]) for m in sender["messages"]] == [(first, "hello ann")]
    second = await chat(b, ann, "are you there?")
    assert (await a.expect(MsgId.MESSAGE_REQUESTS))["sender"]["count"] == 2
    await a.quiet()  # no chat was delivered
    assert await texts_of(a, bob) == []
    (waiting,) = await requests(a)
    assert (waiting["id"], waiting["name"], waiting["count"]) == (bob, "bob", 2)
    assert [m["mid"] for m in waiting["messages"]] == [first, second]


async def test_an_accepted_request_is_delivered_once_in_order_and_later_chats_flow(
    users: Users,
) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    await strangers(a, "requests")
    mids = [await chat(b, ann, text) for text in ("one", "two", "three")]
    for _ in mids:
        await a.expect(MsgId.MESSAGE_REQUESTS)
    await acked(a, MsgId.MESSAGE_ANSWER, **{"from": bob, "accept": True})
    got = [await a.expect(MsgId.ONE_CHAT) for _ in mids]
    assert [(m["mid"], m["msg"]) for m in got] == list(
        zip(mids, ["one", "two", "three"], strict=True)
    )
    assert [m["seq"] for m in got] == sorted(m["seq"] for m in got)
    await b.quiet()  # the sender is told nothing
    await chat(b, ann, "four")
    assert (await a.expect(MsgId.ONE_CHAT))["msg"] == "four"
    await a.quiet()
    assert await requests(a) == []
    assert await texts_of(a, bob) == ["one", "two", "three", "four"]
    assert await texts_of(b, ann) == ["one", "two", "three", "four"]
    await a.send(msgid=MsgId.DELIVERED, seq=got[-1]["seq"] + 1)
    a, ack = await relogin(users, a, ann)  # acceptance is kept; nothing comes twice
    assert [m["msg"] for m in ack["offlinemsg"]] == []
    await chat(b, ann, "five")
    assert (await a.expect(MsgId.ONE_CHAT))["msg"] == "five"


async def test_accepted_messages_not_read_come_at_the_next_login(
    users: Users, connect: Connect
) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    await strangers(a, "requests")
    for text in ("one", "two"):
        await chat(b, ann, text)
    await acked(a, MsgId.MESSAGE_ANSWER, **{"from": bob, "accept": True})
    await logout(a)  # before reading or acknowledging them
    _, legacy_ack = await users.login(ann, legacy=True)
    assert [m["msg"] for m in decoded(legacy_ack["offlinemsg"])] == ["one", "two"]


async def test_a_declined_request_is_gone_and_the_sender_not_told(users: Users) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    await strangers(a, "requests")
    await chat(b, ann, "spam")
    await a.expect(MsgId.MESSAGE_REQUESTS)
    await acked(a, MsgId.MESSAGE_ANSWER, **{"from": bob, "accept": False})
    await b.quiet()
    await a.quiet()
    assert await requests(a) == []
    assert await texts_of(a, bob) == []
    await refused(a, MsgId.MESSAGE_ANSWER, Errno.NO_SUCH_REQUEST, **{"from": bob, "accept": True})
    await chat(b, ann, "again")  # still a stranger: a new request
    assert (await a.expect(MsgId.MESSAGE_REQUESTS))["sender"]["count"] == 1


async def test_answers_to_no_request_are_refused(users: Users) -> None:
    _, a = await online(users, "ann")
    bob = await users.register("bob")
    for accept in (True, False):
        fields = {"from": bob, "accept": accept}
        await refused(a, MsgId.MESSAGE_ANSWER, Errno.NO_SUCH_REQUEST, **fields)
    await refused(a, MsgId.MESSAGE_ANSWER, Errno.BAD_FIELD, **{"from": bob})
    await refused(a, MsgId.MESSAGE_REQUESTS, Errno.INVALID_ARGUMENT, limit=0)


@pytest.mark.parametrize("server_options", [{"held_per_sender": 2, "held_per_user": 3}])
async def test_held_messages_are_bounded_per_sender_and_per_recipient(users: Users) -> None:
    ann, a = await online(users, "ann")
    _, b = await online(users, "bob")
    _, c = await online(users, "carl")
    await strangers(a, "requests")
    await chat(b, ann, "1")
    retry = await b.request(msgid=MsgId.ONE_CHAT, toid=ann, msg="2", cid="k")
    again = await b.request(msgid=MsgId.ONE_CHAT, toid=ann, msg="2", cid="k")
    assert again["mid"] == retry["mid"]  # a retry holds nothing new
    reply = await refused(b, MsgId.ONE_CHAT, Errno.REQUEST_WAITING, toid=ann, msg="3")
    assert reply["errmsg"] == f"waiting for user {ann} to answer your message request"
    await chat(c, ann, "a")
    await refused(c, MsgId.ONE_CHAT, Errno.NOT_ACCEPTED, toid=ann, msg="b")
    assert [s["count"] for s in await requests(a)] == [2, 1]


@pytest.mark.parametrize("server_options", [{"request_preview": 2, "request_preview_chars": 5}])
async def test_requests_are_paged_with_bounded_previews(users: Users) -> None:
    ann, a = await online(users, "ann")
    senders = []
    for n in range(3):
        sender, client = await online(users, f"s{n}")
        senders.append(sender)
        if n == 0:
            await strangers(a, "requests")
        for text in ("short", "longer text", "third"):
            await chat(client, ann, text)
    listed = await requests(a, limit=2)
    assert [s["id"] for s in listed] == senders
    shown = listed[0]["messages"]
    assert [(m["msg"], m.get("cut", False)) for m in shown] == [("short", False), ("longe", True)]
    assert all(s["count"] == 3 for s in listed)


async def test_blocking_a_sender_drops_their_request_and_acceptance(users: Users) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    await strangers(a, "requests")
    await chat(b, ann, "first")
    await a.expect(MsgId.MESSAGE_REQUESTS)
    await acked(a, MsgId.MESSAGE_ANSWER, **{"from": bob, "accept": True})
    await a.expect(MsgId.ONE_CHAT)
    await acked(a, MsgId.BLOCK, userid=bob)
    await acked(a, MsgId.BLOCK, userid=bob, block=False)
    await chat(b, ann, "second")  # accepted no longer: a request again
    assert (await a.expect(MsgId.MESSAGE_REQUESTS))["sender"]["count"] == 1
    await acked(a, MsgId.BLOCK, userid=bob)
    assert await requests(a) == []


async def test_a_legacy_recipient_hears_nothing_of_requests(users: Users) -> None:
    ann, a = await online(users, "ann")
    await strangers(a, "requests")
    await logout(a)
    legacy_ann, _ = await users.login(ann, legacy=True)
    _, b = await online(users, "bob")
    await chat(b, ann, "held")
    await legacy_ann.quiet()


async def test_a_restart_keeps_held_messages(server: ChatServer, users: Users) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    await strangers(a, "requests")
    mid = await chat(b, ann, "kept")
    await a.close()
    await b.close()
    await server.shutdown()
    async with running(replace(server.config, port=0)) as again:
        a = await WireClient.connect(again.port)
        try:
            ack = await a.request(msgid=MsgId.LOGIN, id=ann, password="pw", v=2)
            assert ack["errno"] == 0, ack
            (waiting,) = await requests(a)
            assert [m["mid"] for m in waiting["messages"]] == [mid]
            await acked(a, MsgId.MESSAGE_ANSWER, **{"from": bob, "accept": True})
            got = await a.expect(MsgId.ONE_CHAT)
            assert (got["mid"], got["msg"]) == (mid, "kept")
        finally:
            await a.close()


async def test_a_chat_screened_on_ties_out_of_date_is_not_held_from_an_accepted_sender(
    server: ChatServer, users: Users
) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    await strangers(a, "requests")
    await chat(b, ann, "first")
    await a.expect(MsgId.MESSAGE_REQUESTS)
    await acked(a, MsgId.MESSAGE_ANSWER, **{"from": bob, "accept": True})
    await a.expect(MsgId.ONE_CHAT)
    # As an instance that has not heard of the acceptance yet would hold them:
    server.ties._ties[ann] = Ties("requests", frozenset(), frozenset())
    mid = await chat(b, ann, "second")
    got = await a.expect(MsgId.ONE_CHAT)
    assert (got["mid"], got["msg"]) == (mid, "second")
    await a.quiet()
    assert server.ties.cached(ann) is None  # forgotten, to be read afresh
