"""Identity comes from the login, never from the request (fault 1), and one login wins (fault 10).

The original server trusted the `id` in every request: anyone could chat as anyone, log
anyone out, and add friends or group members for anyone, even without logging in.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from chatapp.protocol import Errno, MsgId
from tests.server.conftest import Connect, Users
from tests.server.steps import (
    acked,
    befriend,
    chat,
    heard,
    join,
    members,
    new_group,
    online,
    refused,
)
from tests.wire import WireClient

# --- spoofing another user's id -------------------------------------------------------


async def test_chat_as_another_user_is_refused_and_not_delivered(users: Users) -> None:
    _, mallory = await online(users, "mallory")
    bob, _ = await online(users, "bob")
    carol, c = await online(users, "carol")
    dave = await users.register("dave")
    for toid in (carol, dave):
        await refused(mallory, MsgId.ONE_CHAT, Errno.ID_MISMATCH, id=bob, toid=toid, msg="x")
    await c.quiet()
    _, ack = await users.login(dave)
    assert ack["offlinemsg"] == []


async def test_legacy_chat_as_another_user_is_refused(users: Users) -> None:
    _, mallory = await online(users, "mallory", legacy=True)
    bob, b = await online(users, "bob")
    carol, c = await online(users, "carol")
    await mallory.send(msgid=MsgId.ONE_CHAT, id=bob, name="bob", toid=carol, msg="x", time="")
    error = await mallory.expect(MsgId.ERROR)
    assert (error["errno"], error["re"]) == (Errno.ID_MISMATCH, MsgId.ONE_CHAT)
    await c.quiet()
    await b.quiet()


async def test_adding_a_friend_for_another_user_is_refused(users: Users) -> None:
    _, mallory = await online(users, "mallory")
    bob, b = await online(users, "bob")
    carol = await users.register("carol")
    await refused(mallory, MsgId.ADD_FRIEND, Errno.ID_MISMATCH, id=bob, friendid=carol)
    await b.quiet()
    _, ack = await users.login(carol)
    assert ack["friends"] == []


async def test_logging_out_another_user_does_nothing(users: Users, connect: Connect) -> None:
    mallory_id, mallory = await online(users, "mallory")
    bob, b = await online(users, "bob")
    await refused(mallory, MsgId.LOGOUT, Errno.ID_MISMATCH, id=bob)
    # Bob is still logged in: served, and his account busy for a console.
    await chat(b, mallory_id, "still here")
    assert (await mallory.expect(MsgId.ONE_CHAT))["id"] == bob
    other = await connect(legacy=True)
    assert await login_on(other, bob) == Errno.ALREADY_ONLINE
    # And mallory is still logged in too.
    await chat(mallory, bob, "me too")


async def test_group_requests_for_another_user_are_refused(users: Users) -> None:
    _, mallory = await online(users, "mallory")
    bob, b = await online(users, "bob")
    _, c = await online(users, "carol")
    group = await new_group(c, "team")
    await refused(mallory, MsgId.CREATE_GROUP, Errno.ID_MISMATCH, id=bob, groupname="bobs")
    await refused(mallory, MsgId.ADD_GROUP, Errno.ID_MISMATCH, id=bob, groupid=group)
    await join(b, group)
    await refused(mallory, MsgId.GROUP_CHAT, Errno.ID_MISMATCH, id=bob, groupid=group, msg="as bob")
    await heard(c, ("joined", bob))  # bob's own join, and nothing of mallory's
    await c.quiet()
    # Nothing happened: the group has carol and bob only, and "bobs" is free.
    joined = await join(mallory, group)
    assert joined["count"] == 3
    assert isinstance(await new_group(b, "bobs"), int)


async def test_a_request_with_ones_own_id_is_served(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    ack = await a.request(msgid=MsgId.ONE_CHAT, id=alice, toid=bob, msg="me")
    assert ack["msgid"] == MsgId.ACK
    assert (await b.expect(MsgId.ONE_CHAT))["id"] == alice


@pytest.mark.parametrize("legacy", [False, True], ids=["v2", "legacy"])
async def test_chats_carry_the_real_name_whatever_the_client_claims(
    users: Users, legacy: bool
) -> None:
    alice, a = await online(users, "alice", legacy=legacy)
    bob, b = await online(users, "bob")
    group = await new_group(b, "team")
    await a.send(msgid=MsgId.ADD_GROUP, groupid=group)
    if not legacy:
        await a.expect(MsgId.ACK)
    await heard(b, ("joined", alice))
    fake = {"name": "bob", "time": "1970-01-01 00:00:00"}
    await a.send(msgid=MsgId.ONE_CHAT, toid=bob, msg="one", **fake)
    await a.send(msgid=MsgId.GROUP_CHAT, groupid=group, msg="two", **fake)
    for msgid in (MsgId.ONE_CHAT, MsgId.GROUP_CHAT):
        got = await b.expect(msgid)
        assert (got["id"], got["name"]) == (alice, "alice"), got
        assert got["time"] != fake["time"]


# --- never logged in ------------------------------------------------------------------


async def test_a_connection_that_never_logged_in_can_do_nothing(
    users: Users, connect: Connect
) -> None:
    """The original's forged requests, sent by a console that never logged in."""
    bob, b = await online(users, "bob")
    carol, c = await online(users, "carol")
    group = await new_group(c, "team")
    intruder = await connect(legacy=True)
    forged: list[dict[str, Any]] = [
        {"msgid": MsgId.ONE_CHAT, "id": bob, "name": "bob", "toid": carol, "msg": "x"},
        {"msgid": MsgId.ADD_FRIEND, "id": bob, "friendid": carol},
        {"msgid": MsgId.CREATE_GROUP, "id": bob, "groupname": "bobs", "groupdesc": ""},
        {"msgid": MsgId.ADD_GROUP, "id": bob, "groupid": group},
        {"msgid": MsgId.GROUP_CHAT, "id": carol, "name": "carol", "groupid": group, "msg": "x"},
        {"msgid": MsgId.LOGOUT, "id": bob},
    ]
    for request in forged:
        await intruder.send(**request)
        error = await intruder.expect(MsgId.ERROR)
        assert (error["errno"], error["re"]) == (Errno.NOT_LOGGED_IN, request["msgid"])
    await intruder.quiet()
    await b.quiet()
    await c.quiet()
    # Bob is still online, with no friend and no group.
    assert (await join(b, group))["count"] == 2
    assert [u["id"] for u in await members(b, group)] == sorted([bob, carol])
    # and may ask carol to be a friend (no presence before she accepts)
    assert await befriend(b, carol) == {"id": carol, "name": "carol", "state": "offline"}


# --- concurrent logins (fault 10) -----------------------------------------------------


async def login_on(client: WireClient, user_id: int) -> int:
    """Logs in in the client's dialect; returns the ack's errno."""
    if client.legacy:
        await client.send(msgid=MsgId.LOGIN, id=user_id, password="pw")
        return int((await client.expect(MsgId.LOGIN_ACK))["errno"])
    ack = await client.request(msgid=MsgId.LOGIN, id=user_id, password="pw", v=2)
    return int(ack["errno"])


async def test_concurrent_legacy_logins_of_one_account_let_exactly_one_in(
    users: Users, connect: Connect
) -> None:
    """The original's rule, for its own dialect: one session of an account at a time."""
    dialects = (True, True, True)
    for round_ in range(5):
        user = await users.register(f"user-{round_}")
        clients = [await connect(legacy=legacy) for legacy in dialects]
        results = await asyncio.gather(*(login_on(c, user) for c in clients))
        assert sorted(results) == [0] + [Errno.ALREADY_ONLINE] * (len(clients) - 1), results
        # The losers are not logged in; the winner is.
        for client, errno in zip(clients, results, strict=True):
            await client.send(msgid=MsgId.LOGOUT, rid="out")
            if errno:
                error = await client.expect(MsgId.ERROR)
                assert error["errno"] == Errno.NOT_LOGGED_IN
            elif not client.legacy:
                assert (await client.expect(MsgId.ACK))["re"] == MsgId.LOGOUT
            await client.quiet()


async def test_concurrent_logins_in_both_dialects_never_leave_a_console_beside_a_device(
    users: Users, connect: Connect
) -> None:
    """Current-protocol logins all get in (devices); a console gets in only alone, and is
    taken over by a device that comes after it: never a console beside another session."""
    for round_ in range(5):
        user = await users.register(f"user-{round_}")
        clients = [await connect(legacy=legacy) for legacy in (False, True, False, True)]
        results = await asyncio.gather(*(login_on(c, user) for c in clients))
        assert [r for c, r in zip(clients, results, strict=True) if not c.legacy] == [0, 0]
        consoles = [r for c, r in zip(clients, results, strict=True) if c.legacy]
        assert set(consoles) <= {0, Errno.ALREADY_ONLINE}  # in alone, or refused
        for client, errno in zip(clients, results, strict=True):
            if client.legacy and errno == 0:
                assert await client.closed()  # taken over by a device after it
        listed = (await acked(clients[0], MsgId.DEVICES))["devices"]
        assert [d["online"] for d in listed if d.get("legacy")] in ([], [False])
        assert sum(d["online"] for d in listed) == 2
