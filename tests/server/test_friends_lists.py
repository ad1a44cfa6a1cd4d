"""Friend requests listed and bounded: REQUESTS pages, the login ack's counts, 1,500
strangers' requests, the bound on a user's own, and the original console client's
add-friend."""

from __future__ import annotations

from typing import Any

import pytest

from chatapp.protocol import LOGIN_FRAME, Errno, MsgId
from chatapp.server.app import ChatServer
from tests.server.conftest import Connect, Users
from tests.server.console import console, console_online
from tests.server.crowd import accounts
from tests.server.steps import (
    acked,
    befriend,
    decoded,
    friend_event,
    logout,
    online,
    refused,
    walk,
)


async def test_requests_are_listed_each_way_a_page_at_a_time(users: Users) -> None:
    me, m = await online(users, "me")
    others = [await users.register(f"u{n}") for n in range(5)]
    for other in others[:3]:
        await acked(m, MsgId.FRIEND_REQUEST, to=other)
    for other in others[3:]:
        o, _ = await users.login(other)
        await acked(o, MsgId.FRIEND_REQUEST, to=me)
        await friend_event(m, "request", other)
    page = await acked(m, MsgId.REQUESTS, dir="out", limit=2)
    assert [r["id"] for r in page["requests"]] == others[:2] and page["more"] is True
    assert set(page["requests"][0]) == {"id", "name", "ts"}
    assert page["requests"][0]["name"] == "u0"
    rest = await acked(m, MsgId.REQUESTS, dir="out", after=others[1])
    assert [r["id"] for r in rest["requests"]] == [others[2]] and rest["more"] is False
    assert [r["id"] for r in await walk(m, MsgId.REQUESTS, dir="in", limit=1)] == others[3:]
    await logout(m)
    await m.close()
    _, ack = await users.login(me)
    assert ack["requests"] == {"in": 2, "out": 3}
    assert ack["friends"] == []


async def test_a_bad_requests_page_is_refused(users: Users) -> None:
    _, m = await online(users, "me")
    for fields in ({}, {"dir": "up"}, {"dir": 1}, {"dir": "in", "after": "x"}):
        await refused(m, MsgId.REQUESTS, Errno.BAD_FIELD, **fields)
    for limit in (0, -1, 1001):
        await refused(m, MsgId.REQUESTS, Errno.INVALID_ARGUMENT, dir="in", limit=limit)
    page = await acked(m, MsgId.REQUESTS, dir="in")
    assert (page["requests"], page["more"]) == ([], False)


async def test_1500_strangers_requests_do_not_bloat_the_login(
    server: ChatServer, users: Users, connect: Connect
) -> None:
    alice = await users.register("alice")
    strangers = await accounts(server.storage, "stranger", 1500)
    for stranger in strangers:
        await server.storage.request_friend(stranger, alice, server.now_ms(), most=1)
    a, ack = await users.login(alice)
    assert ack["requests"] == {"in": 1500, "out": 0}
    assert ack["friends"] == [] and "more_friends" not in ack
    found = await walk(a, MsgId.REQUESTS, dir="in", limit=1000)
    assert [r["id"] for r in found] == strangers
    await logout(a)
    con = await console(connect)
    ack = await con.login(alice)
    assert "friends" not in ack  # a console lists only friends and its own requests
    assert len(con.client.raw_frames[0]) < LOGIN_FRAME
    await con.client.quiet()


@pytest.mark.parametrize("server_options", [{"max_friend_requests": 2}])
async def test_a_users_own_waiting_requests_are_bounded(users: Users) -> None:
    me, m = await online(users, "me")
    a, b, c = [await users.register(name) for name in "abc"]
    await acked(m, MsgId.FRIEND_REQUEST, to=a)
    await acked(m, MsgId.ADD_FRIEND, friendid=b)
    error = await refused(m, MsgId.FRIEND_REQUEST, Errno.TOO_MANY_PENDING, to=c)
    assert "2" in error["errmsg"]
    await refused(m, MsgId.ADD_FRIEND, Errno.TOO_MANY_PENDING, friendid=c)
    assert (await acked(m, MsgId.FRIEND_REQUEST, to=a))["state"] == "requested"  # again: fine
    # Requests to the user are not bounded, and accepting one needs no room.
    c_client, _ = await users.login(c)
    await acked(c_client, MsgId.FRIEND_REQUEST, to=me)
    await friend_event(m, "request", c)
    assert (await acked(m, MsgId.FRIEND_REQUEST, to=c))["state"] == "friends"
    d = await users.register("d")
    await refused(m, MsgId.FRIEND_REQUEST, Errno.TOO_MANY_PENDING, to=d)
    await acked(m, MsgId.FRIEND_CANCEL, to=a)
    await acked(m, MsgId.FRIEND_REQUEST, to=d)


async def test_the_consoles_add_friend_lists_them_offline_until_they_accept(
    users: Users, connect: Connect
) -> None:
    alice, con = await console_online(users, connect, "alice")
    bob, b = await online(users, "bob")
    await con.add_friend(bob)
    await con.client.quiet()
    notice = await friend_event(b, "request", alice)
    assert "state" not in notice
    await con.logout()
    await b.quiet()  # not a friend: no presence
    ack = await con.login(alice)
    assert decoded(ack["friends"]) == [{"id": bob, "name": "bob", "state": "offline"}]
    await con.add_friend(bob)  # asking again: nothing changes, nothing is sent
    await con.client.quiet()
    await b.quiet()
    # Bob accepts: the console hears nothing (as the original), but presence flows now.
    assert await befriend(b, alice) == {"id": alice, "name": "alice", "state": "online"}
    await con.client.quiet()
    await con.logout()
    assert (await b.expect(MsgId.PRESENCE))["state"] == "offline"
    ack = await con.login(alice)
    assert decoded(ack["friends"]) == [{"id": bob, "name": "bob", "state": "online"}]
    assert (await b.expect(MsgId.PRESENCE))["state"] == "online"
    await con.client.quiet()


async def test_the_consoles_list_merges_friends_and_requests_by_id(
    users: Users, connect: Connect
) -> None:
    alice = await users.register("alice")
    bob, b = await online(users, "bob")
    carol, c = await online(users, "carol")
    dave, d = await online(users, "dave")
    a, _ = await users.login(alice)
    for other in (bob, dave):
        await acked(a, MsgId.FRIEND_REQUEST, to=other)
    await acked(a, MsgId.FRIEND_REQUEST, to=carol)
    await friend_event(c, "request", alice)
    await acked(c, MsgId.FRIEND_ANSWER, **{"from": alice, "accept": True})
    await logout(a)
    con = await console(connect)
    ack = await con.login(alice)
    assert decoded(ack["friends"]) == [
        {"id": bob, "name": "bob", "state": "offline"},  # asked: no presence
        {"id": carol, "name": "carol", "state": "online"},  # a friend
        {"id": dave, "name": "dave", "state": "offline"},
    ]
    assert (await c.expect(MsgId.PRESENCE))["state"] == "offline"  # alice's v2 logout
    assert (await c.expect(MsgId.PRESENCE))["state"] == "online"  # and the console's login
    for asked in (b, d):
        await friend_event(asked, "request", alice)
        await asked.quiet()


async def test_a_declined_console_request_leaves_its_list(users: Users, connect: Connect) -> None:
    alice, con = await console_online(users, connect, "alice")
    bob, b = await online(users, "bob")
    carol, c = await online(users, "carol")
    await con.add_friend(bob)
    await con.add_friend(carol)
    await friend_event(b, "request", alice)
    await friend_event(c, "request", alice)
    await acked(b, MsgId.FRIEND_ANSWER, **{"from": alice, "accept": False})
    await con.client.quiet()  # no FRIEND_EVENT for the original client
    await con.logout()
    ack = await con.login(alice)
    assert decoded(ack["friends"]) == [{"id": carol, "name": "carol", "state": "offline"}]


async def test_the_console_accepts_with_its_add_friend(users: Users, connect: Connect) -> None:
    alice, con = await console_online(users, connect, "alice")
    bob, b = await online(users, "bob")
    await acked(b, MsgId.FRIEND_REQUEST, to=alice)
    await con.client.quiet()  # the console is not told of requests
    await con.add_friend(bob)
    await con.client.quiet()
    assert (await friend_event(b, "accepted", alice))["state"] == "online"
    await con.logout()
    assert (await b.expect(MsgId.PRESENCE))["state"] == "offline"
    assert [f["id"] for f in await walk(b, MsgId.FRIENDS)] == [alice]


async def test_requests_need_a_login(connect: Connect) -> None:
    client = await connect()
    requests: list[dict[str, Any]] = [
        {"msgid": MsgId.FRIEND_REQUEST, "to": 1},
        {"msgid": MsgId.FRIEND_ANSWER, "from": 1, "accept": True},
        {"msgid": MsgId.FRIEND_CANCEL, "to": 1},
        {"msgid": MsgId.UNFRIEND, "friendid": 1},
        {"msgid": MsgId.REQUESTS, "dir": "in"},
    ]
    for request in requests:
        reply = await client.request(**request)
        assert (reply["msgid"], reply["errno"]) == (MsgId.ERROR, Errno.NOT_LOGGED_IN), reply
