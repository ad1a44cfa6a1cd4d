"""Every frame bounded, both ways (issue #12): the attacks that locked a user out of
chatapp-client with an oversized LOGIN_ACK, and the replies that grew with a list.

Every frame a WireClient reads is checked against the server's --max-frame, and a login
ack against LOGIN_FRAME (tests/wire.py); these tests add what each reply must still hold.
"""

from __future__ import annotations

from typing import Any

import pytest

from chatapp.protocol import LOGIN_FRAME, Errno, MsgId
from chatapp.server.app import ChatServer
from tests.server.conftest import Connect, Users
from tests.server.console import console
from tests.server.crowd import befriended, crowded_group
from tests.server.steps import (
    acked,
    chat,
    decoded,
    group_chat,
    join,
    logout,
    members,
    new_group,
    online,
    refused,
    walk,
)
from tests.wire import WireClient

Obj = dict[str, Any]
LONG = 16_000
"""The longest chat message, in characters (the default --max-message-chars)."""


def long_texts(count: int) -> list[str]:
    return [chr(ord("a") + n) * LONG for n in range(count)]


async def waiting(users: Users, count: int) -> tuple[int, list[str]]:
    """A user for whom `count` chats of the longest text wait; their id and the texts."""
    user = await users.register("alice")
    _, b = await online(users, "bob")
    texts = long_texts(count)
    for text in texts:
        await chat(b, user, text)
    return user, texts


async def the_rest(client: WireClient, held: list[Obj], total: int) -> list[Obj]:
    """What the login ack held, then the chats that follow it until there are `total`."""
    return held + [await client.expect(MsgId.ONE_CHAT) for _ in range(total - len(held))]


# --- the login ack --------------------------------------------------------------------


async def test_five_long_offline_messages_leave_the_login_ack_readable(users: Users) -> None:
    alice, texts = await waiting(users, 5)
    a, ack = await users.login(alice)
    assert len(a.raw_frames[0]) <= LOGIN_FRAME
    assert ack["more"] is True and 1 <= len(ack["offlinemsg"]) < 5
    got = await the_rest(a, ack["offlinemsg"], 5)
    assert [(m["msg"], m["seq"]) for m in got] == [(t, n + 1) for n, t in enumerate(texts)]
    await a.quiet()


async def test_a_legacy_login_gets_what_its_ack_cannot_hold_right_after_it(
    users: Users, connect: Connect
) -> None:
    alice, texts = await waiting(users, 5)
    con = await console(connect)
    ack = await con.login(alice)
    held = decoded(ack.get("offlinemsg", []))
    assert 1 <= len(held) < 5
    got = await the_rest(con.client, held, 5)
    assert [m["msg"] for m in got] == texts
    assert all(set(m) == {"msgid", "id", "name", "toid", "msg", "time"} for m in got)
    await con.client.quiet()  # each once


async def test_1500_friends_come_a_page_at_a_time(
    server: ChatServer, users: Users, connect: Connect
) -> None:
    alice = await users.register("alice")
    fans = await befriended(server.storage, alice, 1500)
    a, ack = await users.login(alice)
    page = server.config.list_page
    assert [f["id"] for f in ack["friends"]] == fans[:page]
    assert ack["more_friends"] is True
    assert [f["id"] for f in await walk(a, MsgId.FRIENDS)] == fans
    await logout(a)
    con = await console(connect)
    listed = decoded((await con.login(alice))["friends"])
    assert [f["id"] for f in listed] == fans[: len(listed)] and len(listed) >= page
    await con.client.quiet()


async def test_a_group_of_1250_is_counted_in_the_login_ack_and_its_members_paged(
    server: ChatServer, users: Users, connect: Connect
) -> None:
    alice = await users.register("alice")
    group, crowd = await crowded_group(server.storage, "big", 1249, joining=alice)
    a, ack = await users.login(alice)
    assert ack["groups"] == [
        {
            "id": group,
            "groupname": "big",
            "groupdesc": "1249 members",
            "count": 1250,
            "public": True,
            "history": "all",
        }
    ]
    everyone = await members(a, group)
    assert [m["id"] for m in everyone] == sorted([*crowd, alice])
    assert {m["role"] for m in everyone if m["id"] != crowd[0]} == {"normal"}
    await logout(a)
    # The original console client gets the group with as many members as fit.
    con = await console(connect)
    (listed,) = decoded((await con.login(alice))["groups"])
    users_listed = decoded(listed["users"])
    assert [u["id"] for u in users_listed] == sorted([*crowd, alice])[: len(users_listed)]
    assert 100 < len(users_listed) < 1250
    await con.client.quiet()


async def test_a_legacy_login_with_more_of_everything_than_fits(
    server: ChatServer, users: Users, connect: Connect
) -> None:
    alice, texts = await waiting(users, 4)
    fans = await befriended(server.storage, alice, 700)
    group, _ = await crowded_group(server.storage, "big", 700, joining=alice)
    con = await console(connect)
    ack = await con.login(alice)
    assert len(con.client.raw_frames[0]) <= LOGIN_FRAME
    assert [f["id"] for f in decoded(ack["friends"])] == fans[: len(ack["friends"])]
    assert [g["id"] for g in decoded(ack["groups"])] == [group]
    got = await the_rest(con.client, decoded(ack.get("offlinemsg", [])), 4)
    assert [m["msg"] for m in got] == texts
    await con.client.quiet()


# --- replies that grew with a list --------------------------------------------------------


async def test_joining_a_big_group_member_by_member_keeps_each_reply_small(
    server: ChatServer, users: Users
) -> None:
    group, _ = await crowded_group(server.storage, "big", 1000)
    sizes = []
    for n in range(3):
        _, c = await online(users, f"joiner{n}")
        joined = await join(c, group)
        assert joined == {
            "id": group,
            "groupname": "big",
            "groupdesc": "1000 members",
            "count": 1001 + n,
            "public": True,
            "history": "all",
        }
        sizes.append(len(c.raw_frames[-1]))
    assert sizes[0] == sizes[1] == sizes[2] < 150  # it does not grow with the group


async def test_sync_and_history_pages_are_cut_by_bytes_and_walk_to_the_end(
    users: Users,
) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    texts = long_texts(8)
    mids = [await chat(b, alice, text) for text in texts]
    live = [await a.expect(MsgId.ONE_CHAT) for _ in texts]
    assert [m["mid"] for m in live] == mids

    page = await acked(a, MsgId.HISTORY, peer=bob, limit=8)
    assert page["more"] is True and 1 <= len(page["messages"]) < 8
    seen: list[int] = []
    before: dict[str, int] = {}
    while True:
        page = await acked(a, MsgId.HISTORY, peer=bob, limit=8, **before)
        seen += [m["mid"] for m in page["messages"]]
        if not page["more"]:
            break
        before = {"before": seen[-1]}
    assert seen == mids[::-1]

    seqs: list[int] = []
    while True:
        page = await acked(a, MsgId.SYNC, last=seqs[-1] if seqs else 0, limit=8)
        assert len(page["messages"]) < 8 or not page["more"]
        seqs += [m["seq"] for m in page["messages"]]
        if not page["more"]:
            break
    assert seqs == [m["seq"] for m in live]


# --- a chat no frame could carry --------------------------------------------------------


@pytest.mark.parametrize("server_options", [{"max_frame": 20_000}])
async def test_a_chat_whose_frame_would_be_over_the_limit_is_refused(users: Users) -> None:
    _, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    group = await new_group(a, "team")
    await join(b, group)
    # Sent, 9,950 backslashes (each escaped in two bytes) fit in a frame of 20,000 bytes;
    # delivered, with the sender's name, ids, time and seq, and in a page, they would not.
    await chat(a, bob, "x" * LONG)
    assert (await b.expect(MsgId.ONE_CHAT))["msg"] == "x" * LONG
    await group_chat(a, group, "\\" * 9_000)
    assert (await b.expect(MsgId.GROUP_CHAT))["msg"] == "\\" * 9_000
    for msgid, target in ((MsgId.ONE_CHAT, {"toid": bob}), (MsgId.GROUP_CHAT, {"groupid": group})):
        error = await refused(a, msgid, Errno.INVALID_ARGUMENT, msg="\\" * 9_950, **target)
        assert "too long to deliver" in error["errmsg"] and "20000 bytes" in error["errmsg"]
    await b.quiet()
    _, ack = await users.login(await users.register("carol"))
    assert ack["max_frame"] == 20_000
