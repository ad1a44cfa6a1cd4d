"""The legacy dialect, chats: between consoles and current clients, live and offline.

Forwarded chats carry the sender's real id and name and the server's time, without the
current protocol's mid and ts; offline messages reach a console as JSON strings, once.
"""

from __future__ import annotations

from chatapp.protocol import Errno, MsgId
from tests.server.conftest import Connect, Users
from tests.server.console import STALE_TIME, console, console_online
from tests.server.steps import (
    assert_exact,
    assert_recent,
    chat,
    decoded,
    group_chat,
    heard,
    new_group,
    online,
)

# --- chats ----------------------------------------------------------------------------


async def test_v2_chat_reaches_a_legacy_user_without_mid_or_ts(
    users: Users, connect: Connect
) -> None:
    bob, con = await console_online(users, connect, "bob")
    alice, a = await online(users, "alice")
    await chat(a, bob, "to the console")
    got = await con.client.expect(MsgId.ONE_CHAT)
    assert_exact(
        got,
        {
            "msgid": MsgId.ONE_CHAT,
            "id": alice,
            "name": "alice",
            "toid": bob,
            "msg": "to the console",
            "time": got["time"],
        },
    )
    assert_recent(got["time"])


async def test_legacy_chat_reaches_a_v2_user_with_the_real_sender_and_server_time(
    users: Users, connect: Connect
) -> None:
    alice, con = await console_online(users, connect, "alice")
    bob, b = await online(users, "bob")
    con.name = "somebody else"
    await con.chat(bob, "from the console", when=STALE_TIME)
    got = await b.expect(MsgId.ONE_CHAT)
    assert (got["id"], got["name"], got["msg"]) == (alice, "alice", "from the console")
    assert isinstance(got["mid"], int) and isinstance(got["ts"], int)
    assert got["time"] != STALE_TIME
    assert_recent(got["time"], got["ts"])
    await con.client.quiet()


async def test_legacy_to_legacy_chat_is_the_original_object(users: Users, connect: Connect) -> None:
    alice, a = await console_online(users, connect, "alice")
    bob, b = await console_online(users, connect, "bob")
    await a.chat(bob, "hi bob")
    got = await b.client.expect(MsgId.ONE_CHAT)
    assert_exact(
        got,
        {
            "msgid": MsgId.ONE_CHAT,
            "id": alice,
            "name": "alice",
            "toid": bob,
            "msg": "hi bob",
            "time": got["time"],
        },
    )
    await b.chat(alice, "hi alice")
    assert (await a.client.expect(MsgId.ONE_CHAT))["msg"] == "hi alice"
    await a.client.quiet()
    await b.client.quiet()


async def test_group_chat_between_dialects(users: Users, connect: Connect) -> None:
    alice, con = await console_online(users, connect, "alice")
    bob, b = await online(users, "bob")
    group = await new_group(b, "team")
    await con.add_group(group)
    await con.client.quiet()
    await heard(b, ("joined", alice))

    await group_chat(b, group, "from v2")
    got = await con.client.expect(MsgId.GROUP_CHAT)
    assert_exact(
        got,
        {
            "msgid": MsgId.GROUP_CHAT,
            "id": bob,
            "name": "bob",
            "groupid": group,
            "msg": "from v2",
            "time": got["time"],
        },
    )
    await con.group_chat(group, "from the console")
    back = await b.expect(MsgId.GROUP_CHAT)
    assert (back["id"], back["name"], back["msg"]) == (alice, "alice", "from the console")
    assert "mid" in back and "ts" in back
    # The sender does not get its own message back.
    await con.client.quiet()
    await b.quiet()


async def test_offline_messages_of_a_legacy_user_arrive_once_as_strings(
    users: Users, connect: Connect
) -> None:
    alice = await users.register("alice")
    _, b = await online(users, "bob")
    sent = ["first", "it's second", "第三"]
    for text in sent:
        await chat(b, alice, text)
    con = await console(connect)
    ack = await con.login(alice)
    assert all(isinstance(item, str) for item in ack["offlinemsg"])
    messages = decoded(ack["offlinemsg"])
    assert [m["msg"] for m in messages] == sent
    assert all(list(m) == ["msgid", "id", "name", "toid", "msg", "time"] for m in messages)
    await con.logout()
    assert "offlinemsg" not in await con.login(alice)


async def test_live_chats_to_a_legacy_user_are_not_delivered_again(
    users: Users, connect: Connect
) -> None:
    """The console cannot acknowledge: whatever reached it live is done with."""
    bob, con = await console_online(users, connect, "bob")
    _, a = await online(users, "alice")
    await chat(a, bob, "live one")
    assert (await con.client.expect(MsgId.ONE_CHAT))["msg"] == "live one"
    await con.client.quiet()
    await con.logout()
    await chat(a, bob, "while away")
    ack = await con.login(bob)
    assert [m["msg"] for m in decoded(ack["offlinemsg"])] == ["while away"]
    await con.client.quiet()
    await con.client.close()
    again = await console(connect)
    assert "offlinemsg" not in await again.login(bob)


async def test_a_refused_legacy_request_is_answered_with_error(
    users: Users, connect: Connect
) -> None:
    """chatapp's one addition for legacy clients: refusals say why (the console ignores it)."""
    _, con = await console_online(users, connect, "alice")
    await con.chat(999_999, "nobody")
    error = await con.client.expect(MsgId.ERROR)
    assert (error["errno"], error["re"]) == (Errno.NO_SUCH_USER, MsgId.ONE_CHAT)
    await con.client.quiet()
