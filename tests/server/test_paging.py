"""FRIENDS, GROUPS and MEMBERS: lists a page at a time, after the last id held, each item
exactly once; page sizes within their limits; members for members only."""

from __future__ import annotations

import pytest

from chatapp.protocol import Errno, MsgId
from chatapp.server.app import ChatServer
from tests.server.conftest import Connect, Users
from tests.server.crowd import befriended, crowded_group
from tests.server.steps import acked, join, logout, make_friends, new_group, online, refused, walk

SMALL = {"list_page": 3, "max_list_page": 5}


@pytest.mark.parametrize("server_options", [SMALL])
async def test_the_login_ack_holds_the_first_pages_and_the_rest_is_walked(
    server: ChatServer, users: Users
) -> None:
    alice = await users.register("alice")
    fans = await befriended(server.storage, alice, 7)
    groups = [
        (await crowded_group(server.storage, f"g{n}", n + 1, joining=alice))[0] for n in range(4)
    ]
    a, ack = await users.login(alice)
    assert [f["id"] for f in ack["friends"]] == fans[:3]
    assert [(g["id"], g["count"]) for g in ack["groups"]] == [
        (g, n + 2) for n, g in enumerate(groups[:3])
    ]
    assert (ack["more_friends"], ack["more_groups"]) == (True, True)
    for limit in ({}, {"limit": 1}, {"limit": 5}):
        assert [f["id"] for f in await walk(a, MsgId.FRIENDS, **limit)] == fans
        walked = await walk(a, MsgId.GROUPS, **limit)
        assert [(g["id"], g["count"]) for g in walked] == [(g, n + 2) for n, g in enumerate(groups)]
    # A page after the last friend id held: the rest, and no more.
    page = await acked(a, MsgId.FRIENDS, after=ack["friends"][-1]["id"])
    assert ([f["id"] for f in page["friends"]], page["more"]) == (fans[3:6], True)
    page = await acked(a, MsgId.FRIENDS, after=fans[-1])
    assert (page["friends"], page["more"]) == ([], False)


@pytest.mark.parametrize("server_options", [SMALL])
async def test_members_come_a_page_at_a_time_with_presence_and_role(users: Users) -> None:
    alice, a = await online(users, "alice")
    group = await new_group(a, "team")
    joined = []
    for n in range(6):
        uid, c = await online(users, f"m{n}")
        await join(c, group)
        joined.append((uid, c))
    await acked(joined[0][1], MsgId.LOGOUT)
    expected = [{"id": alice, "name": "alice", "state": "online", "role": "creator"}] + [
        {"id": uid, "name": f"m{n}", "state": "offline" if n == 0 else "online", "role": "normal"}
        for n, (uid, _) in enumerate(joined)
    ]
    for limit in ({}, {"limit": 1}, {"limit": 5}):
        assert await walk(a, MsgId.MEMBERS, groupid=group, **limit) == expected
    first = await acked(a, MsgId.MEMBERS, groupid=group)
    assert (len(first["members"]), first["more"]) == (3, True)


@pytest.mark.parametrize("server_options", [SMALL])
async def test_a_page_size_outside_its_limits_is_refused(users: Users) -> None:
    _, a = await online(users, "alice")
    group = await new_group(a, "team")
    lists = [(MsgId.FRIENDS, {}), (MsgId.GROUPS, {}), (MsgId.MEMBERS, {"groupid": group})]
    for msgid, fields in lists:
        for limit in (0, -1, 6):
            error = await refused(a, msgid, Errno.INVALID_ARGUMENT, limit=limit, **fields)
            assert error["errmsg"] == "limit must be 1 to 5"
        assert (await acked(a, msgid, limit=5, **fields))["more"] is False
    await a.quiet()


async def test_members_are_for_members_of_groups_that_exist(users: Users, connect: Connect) -> None:
    _, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    group = await new_group(a, "team")
    await refused(b, MsgId.MEMBERS, Errno.NOT_A_MEMBER, groupid=group)
    await refused(b, MsgId.MEMBERS, Errno.NO_SUCH_GROUP, groupid=group + 1000)
    await refused(b, MsgId.MEMBERS, Errno.BAD_FIELD)  # no groupid
    await join(b, group)
    assert [m["id"] for m in (await acked(b, MsgId.MEMBERS, groupid=group))["members"]][1] == bob
    stranger = await connect()
    for msgid in (MsgId.FRIENDS, MsgId.GROUPS, MsgId.MEMBERS):
        await refused(stranger, msgid, Errno.NOT_LOGGED_IN, groupid=group)


async def test_an_empty_list_is_one_empty_page(users: Users) -> None:
    _, a = await online(users, "alice")
    for msgid, key in ((MsgId.FRIENDS, "friends"), (MsgId.GROUPS, "groups")):
        page = await acked(a, msgid)
        assert (page[key], page["more"]) == ([], False)


async def test_a_friend_page_tells_who_is_online(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    carol, c = await online(users, "carol")
    await make_friends(a, alice, b, bob)
    await make_friends(c, carol, a, alice)
    await logout(c)
    assert (await a.expect(MsgId.PRESENCE))["id"] == carol
    page = await acked(a, MsgId.FRIENDS)
    assert page["friends"] == [
        {"id": bob, "name": "bob", "state": "online"},
        {"id": carol, "name": "carol", "state": "offline"},
    ]
    await acked(b, MsgId.LOGOUT)
    assert (await a.expect(MsgId.PRESENCE))["state"] == "offline"
    assert (await acked(a, MsgId.FRIENDS, limit=1))["friends"][0]["state"] == "offline"
