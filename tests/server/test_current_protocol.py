"""The current protocol (v2): rids echoed, one reply per request, login first, ack lists."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from chatapp.protocol import Errno, MsgId
from chatapp.server.config import Config
from tests.server.conftest import Connect, Users
from tests.server.steps import ONE_BACKEND, assert_has, heard, logout, online, refused
from tests.wire import WireClient

LIMITS = Config()
EXOTIC_RIDS: list[int | str] = [0, "", -3, "r" * 64, 2**63, 2**64 - 1, "ü ✓", '{"msgid":15}']


class Asker:
    """Sends requests with one fixed rid and checks that exactly one reply echoes it."""

    def __init__(self, client: WireClient, rid: int | str) -> None:
        self.client = client
        self.rid = rid

    async def __call__(self, reply_msgid: MsgId, errno: int, **request: Any) -> dict[str, Any]:
        await self.client.send(rid=self.rid, **request)
        reply = await self.client.recv()
        assert reply.get("rid") == self.rid, reply
        assert reply["msgid"] == reply_msgid, reply
        assert reply.get("errno", 0) == errno, reply
        await self.client.quiet()
        return reply


@pytest.mark.parametrize("rid", [7, "req-7"], ids=["int", "str"])
async def test_every_request_gets_exactly_one_reply_echoing_its_rid(
    users: Users, connect: Connect, rid: int | str
) -> None:
    bob = await users.register("bob")
    ask = Asker(await connect(), rid)
    await ask(MsgId.PONG, 0, msgid=MsgId.PING)
    alice = (await ask(MsgId.REG_ACK, 0, msgid=MsgId.REG, name="alice", password="pw", v=2))["id"]
    await ask(MsgId.REG_ACK, Errno.NAME_TAKEN, msgid=MsgId.REG, name="alice", password="x", v=2)
    await ask(MsgId.ERROR, Errno.NOT_LOGGED_IN, msgid=MsgId.ONE_CHAT, toid=bob, msg="hi")
    await ask(
        MsgId.LOGIN_ACK, Errno.BAD_CREDENTIALS, msgid=MsgId.LOGIN, id=alice, password="x", v=2
    )
    await ask(MsgId.LOGIN_ACK, 0, msgid=MsgId.LOGIN, id=alice, password="pw", v=2)
    await ask(
        MsgId.LOGIN_ACK, Errno.ALREADY_LOGGED_IN, msgid=MsgId.LOGIN, id=alice, password="pw", v=2
    )
    await ask(MsgId.PONG, 0, msgid=MsgId.PING)
    await ask(MsgId.ACK, 0, msgid=MsgId.ONE_CHAT, toid=bob, msg="hi")
    await ask(MsgId.ERROR, Errno.NO_SUCH_USER, msgid=MsgId.ONE_CHAT, toid=999_999, msg="hi")
    await ask(MsgId.ACK, 0, msgid=MsgId.ADD_FRIEND, friendid=bob)
    await ask(MsgId.ACK, 0, msgid=MsgId.ADD_FRIEND, friendid=bob)  # asking again is harmless
    await ask(MsgId.ERROR, Errno.SELF_FRIEND, msgid=MsgId.ADD_FRIEND, friendid=alice)
    group = (await ask(MsgId.ACK, 0, msgid=MsgId.CREATE_GROUP, groupname="g", groupdesc=""))[
        "groupid"
    ]
    await ask(MsgId.ERROR, Errno.NAME_TAKEN, msgid=MsgId.CREATE_GROUP, groupname="g")
    await ask(MsgId.ERROR, Errno.ALREADY_MEMBER, msgid=MsgId.ADD_GROUP, groupid=group)
    await ask(MsgId.ERROR, Errno.NO_SUCH_GROUP, msgid=MsgId.ADD_GROUP, groupid=999_999)
    await ask(MsgId.ACK, 0, msgid=MsgId.GROUP_CHAT, groupid=group, msg="hi")
    await ask(MsgId.ERROR, Errno.NO_SUCH_GROUP, msgid=MsgId.GROUP_CHAT, groupid=999_999, msg="x")
    await ask(MsgId.ERROR, Errno.UNKNOWN_MSGID, msgid=99)
    await ask(MsgId.ERROR, Errno.BAD_FIELD, msgid=MsgId.ONE_CHAT, toid="bob", msg="hi")
    await ask(MsgId.ERROR, Errno.BAD_FIELD, msgid=MsgId.ADD_FRIEND)
    await ask(MsgId.ACK, 0, msgid=MsgId.LOGOUT)
    await ask(MsgId.ERROR, Errno.NOT_LOGGED_IN, msgid=MsgId.LOGOUT)


@ONE_BACKEND
async def test_any_int_or_short_string_rid_is_echoed_as_given(connect: Connect) -> None:
    client = await connect()
    for rid in EXOTIC_RIDS:
        ask = Asker(client, rid)
        await ask(MsgId.PONG, 0, msgid=MsgId.PING)
        await ask(MsgId.ERROR, Errno.NOT_LOGGED_IN, msgid=MsgId.ONE_CHAT, toid=1, msg="x")
        await ask(MsgId.ERROR, Errno.UNKNOWN_MSGID, msgid=42)


@ONE_BACKEND
async def test_a_request_without_rid_gets_a_reply_without_rid(users: Users) -> None:
    _, a = await online(users, "alice")
    bob = await users.register("bob")
    await a.send(msgid=MsgId.ONE_CHAT, toid=bob, msg="hi")
    ack = await a.expect(MsgId.ACK)
    assert "rid" not in ack
    await a.send(msgid=MsgId.ONE_CHAT, toid=999_999, msg="hi")
    error = await a.expect(MsgId.ERROR)
    assert "rid" not in error and error["re"] == MsgId.ONE_CHAT
    await a.send(msgid=MsgId.PING)
    assert await a.expect(MsgId.PONG) == {"msgid": MsgId.PONG}


PROTECTED: list[tuple[MsgId, dict[str, Any]]] = [
    (MsgId.LOGOUT, {}),
    (MsgId.ONE_CHAT, {"toid": 1, "msg": "hi"}),
    (MsgId.ADD_FRIEND, {"friendid": 1}),
    (MsgId.CREATE_GROUP, {"groupname": "g", "groupdesc": "d"}),
    (MsgId.ADD_GROUP, {"groupid": 1}),
    (MsgId.GROUP_CHAT, {"groupid": 1, "msg": "hi"}),
]


@ONE_BACKEND
async def test_every_request_but_reg_login_and_ping_is_refused_before_login(
    users: Users, connect: Connect
) -> None:
    await users.register("alice")
    client = await connect()
    for msgid, fields in PROTECTED:
        reply = await refused(client, msgid, Errno.NOT_LOGGED_IN, **fields)
        assert reply == {
            "msgid": MsgId.ERROR,
            "errno": Errno.NOT_LOGGED_IN,
            "errmsg": reply["errmsg"],
            "re": msgid,
            "rid": reply["rid"],
        }
        await client.quiet()


@ONE_BACKEND
async def test_every_request_but_reg_login_and_ping_is_refused_after_logout(
    users: Users,
) -> None:
    _, client = await online(users, "alice")
    await logout(client)
    for msgid, fields in PROTECTED:
        await refused(client, msgid, Errno.NOT_LOGGED_IN, **fields)
        await client.quiet()


@ONE_BACKEND
async def test_ping_is_answered_before_and_after_login(users: Users, connect: Connect) -> None:
    alice = await users.register("alice")
    client = await connect()
    assert await client.request(msgid=MsgId.PING) == {"msgid": MsgId.PONG, "rid": 1}
    await client.request(msgid=MsgId.LOGIN, id=alice, password="pw", v=2)
    assert await client.request(msgid=MsgId.PING) == {"msgid": MsgId.PONG, "rid": 3}


async def test_login_ack_lists_are_arrays_present_even_when_empty(users: Users) -> None:
    alice = await users.register("alice")
    _, ack = await users.login(alice)
    assert_has(
        ack,
        {
            "errno": 0,
            "id": alice,
            "msgid": MsgId.LOGIN_ACK,
            "name": "alice",
            "friends": [],
            "groups": [],
            "offlinemsg": [],
            "rid": 1,
        },
    )


async def test_login_ack_list_elements_are_objects(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    await b.request(msgid=MsgId.ADD_FRIEND, friendid=alice)
    group = (await b.request(msgid=MsgId.CREATE_GROUP, groupname="g"))["groupid"]
    await a.expect(MsgId.FRIEND_EVENT)  # bob asked: alice accepts
    await a.request(msgid=MsgId.ADD_FRIEND, friendid=bob)
    await b.expect(MsgId.FRIEND_EVENT)
    await a.request(msgid=MsgId.ADD_GROUP, groupid=group)
    await heard(b, ("joined", alice))
    await logout(a)
    await b.expect(MsgId.PRESENCE)
    await b.request(msgid=MsgId.ONE_CHAT, toid=alice, msg="one")
    await b.request(msgid=MsgId.GROUP_CHAT, groupid=group, msg="two")
    await a.close()
    _, ack = await users.login(alice)
    for key in ("friends", "groups", "offlinemsg"):
        assert isinstance(ack[key], list) and ack[key], key
        assert all(isinstance(item, dict) for item in ack[key]), ack[key]
    assert ack["groups"][0]["count"] == 2 and "users" not in ack["groups"][0]
    assert [m["msgid"] for m in ack["offlinemsg"]] == [MsgId.ONE_CHAT, MsgId.GROUP_CHAT]
    assert bob in {f["id"] for f in ack["friends"]}


@ONE_BACKEND
async def test_pipelined_requests_in_one_write_are_answered_in_order(users: Users) -> None:
    _, a = await online(users, "alice")
    bob = await users.register("bob")
    requests = [
        {"msgid": MsgId.PING, "rid": "a"},
        {"msgid": MsgId.ONE_CHAT, "toid": bob, "msg": "x", "rid": "b"},
        {"msgid": MsgId.ONE_CHAT, "toid": 999_999, "msg": "x", "rid": "c"},
        {"msgid": 99, "rid": "d"},
        {"msgid": MsgId.CREATE_GROUP, "groupname": "g", "rid": "e"},
        {"msgid": MsgId.PING, "rid": "f"},
    ]
    await a.send_raw(b"".join(orjson.dumps(r) + b"\n" for r in requests))
    replies = [await a.recv() for _ in requests]
    assert [(r["rid"], r["msgid"]) for r in replies] == [
        ("a", MsgId.PONG),
        ("b", MsgId.ACK),
        ("c", MsgId.ERROR),
        ("d", MsgId.ERROR),
        ("e", MsgId.ACK),
        ("f", MsgId.PONG),
    ]
    await a.quiet()


@ONE_BACKEND
async def test_hundreds_of_pipelined_pings_are_all_answered_in_order(users: Users) -> None:
    """More requests than the server queues before it stops reading: none is lost.

    Fewer PINGs than the rate limit's burst allows (a PING costs a fifth of a request).
    """
    _, a = await online(users, "alice")
    count = int(LIMITS.rate_burst * 5 * 0.9)
    assert count > LIMITS.max_queued_frames
    await a.send_raw(b"".join(b'{"msgid":14,"rid":%d}\n' % i for i in range(count)))
    for i in range(count):
        assert await a.recv() == {"msgid": MsgId.PONG, "rid": i}
    await a.quiet()


@ONE_BACKEND
async def test_a_rid_of_a_wrong_type_is_refused_without_echo(connect: Connect) -> None:
    client = await connect()
    for rid in ["r" * 65, 1.5, True, [1], {"a": 1}]:
        await client.send(msgid=MsgId.PING, rid=rid)
        reply = await client.recv()
        assert (reply["msgid"], reply["errno"]) == (MsgId.ERROR, Errno.BAD_FIELD), (rid, reply)
        assert "rid" not in reply, reply
        await client.quiet()
    # null is no rid at all.
    await client.send(msgid=MsgId.PING, rid=None)
    assert await client.recv() == {"msgid": MsgId.PONG}
