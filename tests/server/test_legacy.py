"""The legacy dialect, accounts and framing: what the original console client must receive.

A Console (tests/server/console.py) behaves exactly like the original client; it must
receive byte for byte what the original server sent, and no reply where it sent none.
"""

from __future__ import annotations

from typing import Any

import orjson

from chatapp.protocol import MsgId
from chatapp.server.handlers import ALREADY_ONLINE, BAD_CREDENTIALS
from tests.server.conftest import Connect, Users
from tests.server.console import STALE_TIME, console, console_online, legacy_text
from tests.server.steps import (
    ONE_BACKEND,
    assert_exact,
    assert_recent,
    befriend,
    chat,
    decoded,
    friend_event,
    group_chat,
    heard,
    join,
    logout,
    new_group,
    online,
)

# --- accounts -------------------------------------------------------------------------


async def test_register_replies_exactly_like_the_original(connect: Connect) -> None:
    con = await console(connect)
    ok = await con.register("zhang san")
    assert isinstance(ok["id"], int)
    assert_exact(ok, {"errno": 0, "id": ok["id"], "msgid": MsgId.REG_ACK})
    # Every failure is errno 1 without text, as the original sent it.
    for name in ("zhang san", "", "x" * 1000):
        assert_exact(await con.register(name), {"errno": 1, "msgid": MsgId.REG_ACK})
    assert_exact(await con.register("li si", ""), {"errno": 1, "msgid": MsgId.REG_ACK})
    await con.client.quiet()


async def test_login_ack_of_a_new_user_leaves_out_the_empty_lists(
    users: Users, connect: Connect
) -> None:
    alice = await users.register("alice")
    con = await console(connect)
    ack = await con.login(alice)
    assert_exact(ack, {"errno": 0, "id": alice, "msgid": MsgId.LOGIN_ACK, "name": "alice"})
    await con.client.quiet()


async def test_login_errors_use_the_original_texts(users: Users, connect: Connect) -> None:
    alice, _ = await online(users, "alice")
    con = await console(connect)
    assert_exact(
        await con.login(alice + 1000),
        {"errmsg": BAD_CREDENTIALS, "errno": 1, "msgid": MsgId.LOGIN_ACK},
    )
    assert_exact(
        await con.login(alice, "wrong"),
        {"errmsg": BAD_CREDENTIALS, "errno": 1, "msgid": MsgId.LOGIN_ACK},
    )
    assert_exact(
        await con.login(alice),
        {"errmsg": ALREADY_ONLINE, "errno": 2, "msgid": MsgId.LOGIN_ACK},
    )
    assert BAD_CREDENTIALS == "id or password is invalid!"
    assert ALREADY_ONLINE == "this account is using, input another!"


async def test_login_ack_lists_are_json_strings_in_the_original_layout(
    users: Users, connect: Connect
) -> None:
    alice = await users.register("alice")
    bob, b = await online(users, "bob")
    carol, c = await online(users, "carol")
    await befriend(b, alice)
    await befriend(c, alice)
    group = await new_group(b, "team", "the team")
    # Alice accepts both and joins through a v2 session, then leaves it, to make her a
    # normal member.
    a, _ = await users.login(alice)
    await befriend(a, bob)
    await befriend(a, carol)
    await join(a, group)
    await logout(a)
    for friend in (b, c):
        await friend_event(friend, "accepted", alice)
        if friend is b:  # bob, the group's creator, is told that she joined
            await heard(b, ("joined", alice))
        assert (await friend.expect(MsgId.PRESENCE))["state"] == "offline"
    await logout(c)
    await chat(b, alice, "one")
    await group_chat(b, group, "two")

    con = await console(connect)
    ack = await con.login(alice)
    assert list(ack) == ["errno", "id", "msgid", "name", "friends", "groups", "offlinemsg"]
    assert (ack["errno"], ack["id"], ack["name"]) == (0, alice, "alice")
    assert ack["friends"] == [
        legacy_text({"id": bob, "name": "bob", "state": "online"}),
        legacy_text({"id": carol, "name": "carol", "state": "offline"}),
    ]
    members = [
        legacy_text({"id": alice, "name": "alice", "state": "online", "role": "normal"}),
        legacy_text({"id": bob, "name": "bob", "state": "online", "role": "creator"}),
    ]
    assert ack["groups"] == [
        legacy_text({"id": group, "groupname": "team", "groupdesc": "the team", "users": members})
    ]
    one, two = decoded(ack["offlinemsg"])
    assert ack["offlinemsg"] == [
        legacy_text(
            {
                "msgid": MsgId.ONE_CHAT,
                "id": bob,
                "name": "bob",
                "toid": alice,
                "msg": "one",
                "time": one["time"],
            }
        ),
        legacy_text(
            {
                "msgid": MsgId.GROUP_CHAT,
                "id": bob,
                "name": "bob",
                "groupid": group,
                "msg": "two",
                "time": two["time"],
            }
        ),
    ]
    assert_recent(one["time"])
    await con.client.quiet()


async def test_only_non_empty_lists_are_sent(users: Users, connect: Connect) -> None:
    alice = await users.register("alice")
    bob = await users.register("bob")
    a, _ = await users.login(alice)
    await befriend(a, bob)  # asked: the console lists bob
    await logout(a)
    con = await console(connect)
    ack = await con.login(alice)
    assert list(ack) == ["errno", "id", "msgid", "name", "friends"]


async def test_logout_gets_no_reply_and_the_console_can_log_in_again(
    users: Users, connect: Connect
) -> None:
    alice, con = await console_online(users, connect, "alice")
    bob, b = await online(users, "bob")
    await befriend(b, alice)
    await con.add_friend(bob)  # the console's add-friend accepts bob's request
    await friend_event(b, "accepted", alice)
    await con.logout()
    await con.client.quiet()
    assert (await b.expect(MsgId.PRESENCE))["state"] == "offline"
    # Back at the start menu: log in again on the same connection.
    assert (await con.login(alice))["errno"] == 0
    assert (await b.expect(MsgId.PRESENCE))["state"] == "online"
    await con.client.quiet()


# --- no replies on success ------------------------------------------------------------


async def test_successful_requests_get_no_reply_but_take_effect(
    users: Users, connect: Connect
) -> None:
    alice, con = await console_online(users, connect, "alice")
    bob, b = await online(users, "bob")
    bob_group = await new_group(b, "bobs")

    await con.add_friend(bob)
    await con.client.quiet()
    await friend_event(b, "request", alice)
    await befriend(b, alice)  # bob accepts

    await con.chat(bob, "hello")
    await con.client.quiet()
    assert (await b.expect(MsgId.ONE_CHAT))["msg"] == "hello"

    await con.add_group(bob_group)
    await con.client.quiet()
    await heard(b, ("joined", alice))  # the current client hears of the legacy one's join
    await con.group_chat(bob_group, "hi group")
    await con.client.quiet()
    assert (await b.expect(MsgId.GROUP_CHAT))["msg"] == "hi group"

    await con.create_group("alices", "mine")
    await con.client.quiet()
    await con.logout()
    await con.client.quiet()

    # Everything took effect: the next login lists it.
    ack = await con.login(alice)
    friends = decoded(ack["friends"])
    groups = decoded(ack["groups"])
    assert [f["id"] for f in friends] == [bob]
    assert sorted(g["groupname"] for g in groups) == ["alices", "bobs"]
    # A legacy user's presence is still told to v2 friends.
    assert [(await b.expect(MsgId.PRESENCE))["state"] for _ in "12"] == ["offline", "online"]
    await b.quiet()


# --- framing (fault 5) ----------------------------------------------------------------


def frame(**obj: Any) -> bytes:
    return orjson.dumps(obj) + b"\0"


@ONE_BACKEND
async def test_requests_merged_into_one_write_are_all_served(
    users: Users, connect: Connect
) -> None:
    bob, b = await online(users, "bob")
    client = await connect(legacy=True)
    await client.send_raw(
        frame(msgid=MsgId.REG, name="alice", password="pw")
        + frame(msgid=MsgId.REG, name="alice", password="pw")
        + frame(msgid=MsgId.REG, name="carol", password="pw")
    )
    first, taken, third = [await client.expect(MsgId.REG_ACK) for _ in range(3)]
    assert (first["errno"], taken["errno"], third["errno"]) == (0, 1, 0)
    alice = first["id"]
    await client.send_raw(
        frame(msgid=MsgId.LOGIN, id=alice, password="pw")
        + frame(msgid=MsgId.ONE_CHAT, id=alice, name="alice", toid=bob, msg="1", time=STALE_TIME)
        + frame(msgid=MsgId.ONE_CHAT, id=alice, name="alice", toid=bob, msg="2", time=STALE_TIME)
    )
    assert (await client.expect(MsgId.LOGIN_ACK))["id"] == alice
    assert [(await b.expect(MsgId.ONE_CHAT))["msg"] for _ in range(2)] == ["1", "2"]
    await client.quiet()


@ONE_BACKEND
async def test_a_request_split_byte_by_byte_is_served(users: Users, connect: Connect) -> None:
    alice = await users.register("alice")
    bob, b = await online(users, "bob")
    client = await connect(legacy=True)
    stream = frame(msgid=MsgId.LOGIN, id=alice, password="pw") + frame(
        msgid=MsgId.ONE_CHAT, id=alice, name="alice", toid=bob, msg="split ✓", time=STALE_TIME
    )
    for i in range(len(stream)):
        await client.send_raw(stream[i : i + 1])
    assert (await client.expect(MsgId.LOGIN_ACK))["id"] == alice
    assert (await b.expect(MsgId.ONE_CHAT))["msg"] == "split ✓"
    await client.quiet()


@ONE_BACKEND
async def test_frames_split_across_writes_at_odd_places_are_served(
    users: Users, connect: Connect
) -> None:
    """The end of one request and the start of the next arrive in the same write."""
    _, b = await online(users, "bob")
    client = await connect(legacy=True)
    stream = b"".join(frame(msgid=MsgId.REG, name=f"u{i}", password="pw") for i in range(5))
    step = 17
    for i in range(0, len(stream), step):
        await client.send_raw(stream[i : i + step])
    replies = [await client.expect(MsgId.REG_ACK) for _ in range(5)]
    assert [r["errno"] for r in replies] == [0] * 5
    assert len({r["id"] for r in replies}) == 5
    await b.quiet()
