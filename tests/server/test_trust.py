"""Input the server can trust: names that cannot pass for one another, messages without
control characters, delivery numbers the user was given, tokens revoked when asked."""

from __future__ import annotations

import asyncio

import pytest

from chatapp.protocol import Errno, MsgId
from tests.server.conftest import Users
from tests.server.steps import acked, chat, online, refused

REG = MsgId.REG


async def register(users: Users, name: str) -> dict[str, object]:
    client = await users.connect()
    return await client.request(msgid=REG, name=name, password="pw", v=2)


@pytest.mark.parametrize(
    "name",
    [
        "a\u200bnn",  # zero-width space
        "\u202eann",  # right-to-left override
        "ann\u2028",  # line separator
        "so\u00adft",  # soft hyphen
        "ann\u3000lee",  # ideographic space
        " ann",
        "ann  lee",
        "bell\x07",
    ],
    ids=repr,
)
async def test_names_with_invisible_or_layout_characters_are_refused(
    users: Users, name: str
) -> None:
    reply = await register(users, name)
    assert (reply["msgid"], reply["errno"]) == (MsgId.REG_ACK, Errno.INVALID_ARGUMENT), reply


async def test_a_look_alike_of_a_user_or_group_is_taken(users: Users) -> None:
    _, client = await online(users, "alice")  # then Cyrillic a, roman fifty, fullwidth
    for name in ("\u0430lice", "a\u217cice", "\uff41\uff4c\uff49\uff43\uff45"):
        reply = await register(users, name)
        assert reply["errno"] == Errno.NAME_TAKEN, (name, reply)
        assert "too like" in str(reply["errmsg"])
    await acked(client, MsgId.CREATE_GROUP, groupname="rn-team")
    assert (await register(users, "m-team"))["errno"] == Errno.NAME_TAKEN  # m looks like rn
    await refused(client, MsgId.CREATE_GROUP, Errno.NAME_TAKEN, groupname="alice")
    assert (await register(users, "Alice"))["errno"] == 0  # case is not a look-alike


async def test_names_are_kept_in_nfc(users: Users) -> None:
    reply = await register(users, "Zoe\u0308")  # e + combining diaeresis
    client, ack = await users.login(int(reply["id"]))  # type: ignore[call-overload]
    assert ack["name"] == "Zo\u00eb"
    await client.close()


async def test_control_characters_leave_messages_in_both_dialects(users: Users) -> None:
    _, sender = await online(users, "ann")
    bob, bob_client = await online(users, "bob", legacy=True)
    carol, carol_client = await online(users, "carol")
    for to, client in ((bob, bob_client), (carol, carol_client)):
        await chat(sender, to, "a\x1b[31mb\x07\r\n\tc\x9b\x7f")
        delivered = await client.expect(MsgId.ONE_CHAT)
        assert delivered["msg"] == "a[31mb\n\tc"
    await refused(sender, MsgId.ONE_CHAT, Errno.INVALID_ARGUMENT, toid=bob, msg="\x1b\x07\r")


async def test_a_delivery_number_never_given_is_refused(users: Users) -> None:
    _, ann_client = await online(users, "ann")
    bob, bob_client = await online(users, "bob")
    await chat(ann_client, bob, "one")
    seq = (await bob_client.expect(MsgId.ONE_CHAT))["seq"]
    await bob_client.send(msgid=MsgId.DELIVERED, seq=seq)
    await bob_client.quiet()  # accepted: no reply
    await bob_client.send(msgid=MsgId.DELIVERED, seq=10**12)
    error = await bob_client.expect(MsgId.ERROR)
    assert (error["errno"], error["re"]) == (Errno.INVALID_ARGUMENT, MsgId.DELIVERED)
    assert "beyond the last delivery" in error["errmsg"]


async def test_a_login_naming_a_number_never_given_is_refused_and_keeps_its_token(
    users: Users,
) -> None:
    ann = await users.register("ann")
    client, ack = await users.login(ann)
    await client.close()
    token = ack["token"]
    again = await users.connect()
    reply = await again.request(msgid=MsgId.LOGIN, token=token, last=10**9, v=2)
    assert (reply["msgid"], reply["errno"]) == (MsgId.LOGIN_ACK, Errno.INVALID_ARGUMENT)
    reply = await again.request(msgid=MsgId.LOGIN, token=token, last=0, v=2)
    assert reply["errno"] == 0, reply


async def test_logout_all_revokes_every_token_of_the_account(users: Users) -> None:
    ann = await users.register("ann")
    first, first_ack = await users.login(ann)
    await first.close()  # gone without logging out: its token stays valid
    second, _ = await users.login(ann)
    await acked(second, MsgId.LOGOUT, all=True)
    third = await users.connect()
    reply = await third.request(msgid=MsgId.LOGIN, token=first_ack["token"], v=2)
    assert reply["errno"] == Errno.BAD_CREDENTIALS, reply


async def test_a_password_change_revokes_every_token_and_hands_this_connection_a_new_one(
    users: Users,
) -> None:
    ann = await users.register("ann")
    old, old_ack = await users.login(ann)
    await old.close()
    client, _ = await users.login(ann)
    await refused(client, MsgId.PASSWORD, Errno.BAD_CREDENTIALS, password="wrong", new="pw2")
    await refused(client, MsgId.PASSWORD, Errno.INVALID_ARGUMENT, password="pw", new="")
    ack = await acked(client, MsgId.PASSWORD, password="pw", new="pw2")
    await client.close()  # the connection drops: its new token resumes the session
    fresh = await users.connect()
    reply = await fresh.request(msgid=MsgId.LOGIN, token=old_ack["token"], v=2)
    assert reply["errno"] == Errno.BAD_CREDENTIALS, reply
    async with asyncio.timeout(5):
        while (reply := await fresh.request(msgid=MsgId.LOGIN, token=ack["token"], v=2))[
            "errno"
        ] == Errno.ALREADY_ONLINE:
            await asyncio.sleep(0.02)  # the server is still logging the closed one out
    assert reply["errno"] == 0, reply
    await acked(fresh, MsgId.LOGOUT)
    reply = await fresh.request(msgid=MsgId.LOGIN, id=ann, password="pw", v=2)
    assert reply["errno"] == Errno.BAD_CREDENTIALS
    reply = await fresh.request(msgid=MsgId.LOGIN, id=ann, password="pw2", v=2)
    assert reply["errno"] == 0
