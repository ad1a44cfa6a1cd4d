"""chatapp-admin beside a running server, on each backend: a disabled account's logins are
refused at once (password, token, both dialects); a deleted one's chats stay in others'
history."""

from __future__ import annotations

import asyncio

import pytest

from chatapp.protocol import Errno, MsgId
from chatapp.server.app import ChatServer
from chatapp.server.handlers.accounts import BAD_CREDENTIALS, DISABLED
from chatapp.server.sweeper import ENDED
from chatapp.server.tokens import new_token
from tests.server.conftest import Connect, Users
from tests.server.steps import (
    acked,
    chat,
    group_chat,
    heard,
    join,
    new_group,
    online,
    refused,
)
from tests.server.test_admin_cli import admin


async def test_a_disabled_account_cannot_log_in_by_password_or_token(
    server: ChatServer, connect: Connect, users: Users
) -> None:
    ann = await users.register("ann")
    client, ack = await users.login(ann)
    await client.close()  # closed without LOGOUT: the token stays good
    done = await admin(server.config.storage, "users", "disable", "ann", "--json")
    assert done.json()["tokens_revoked"] == 1

    current = await connect()
    refused = await current.request(msgid=MsgId.LOGIN, id=ann, password="pw", v=2)
    assert (refused["errno"], refused["errmsg"]) == (Errno.ACCOUNT_DISABLED, DISABLED)
    legacy = await connect(legacy=True)
    await legacy.send(msgid=MsgId.LOGIN, id=ann, password="pw")
    assert (await legacy.expect(MsgId.LOGIN_ACK))["errno"] == Errno.ACCOUNT_DISABLED
    revoked = await current.request(msgid=MsgId.LOGIN, token=ack["token"], v=2)
    assert revoked["errno"] == Errno.BAD_CREDENTIALS
    # A token saved as the account was disabled (a login racing the operator) fails too.
    token, hashed = new_token()
    now = server.now_ms()
    opened = await server.storage.open_device(
        ann, "racing", legacy=False, now_ms=now, address="", max_devices=10
    )
    await server.storage.save_token(hashed, opened.device, now + 60_000, now)
    raced = await current.request(msgid=MsgId.LOGIN, token=token, v=2)
    assert raced["errno"] == Errno.ACCOUNT_DISABLED
    wrong = await current.request(msgid=MsgId.LOGIN, id=ann, password="nope", v=2)
    assert wrong["errno"] == Errno.BAD_CREDENTIALS  # only the password's holder is told

    assert (await admin(server.config.storage, "users", "enable", str(ann))).rc == 0
    again, _ = await users.login(ann)
    await again.close()


async def test_a_deleted_users_messages_stay_in_others_history(
    server: ChatServer, connect: Connect, users: Users
) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    await chat(a, bob, "remember me")
    await b.expect(MsgId.ONE_CHAT)
    await a.close()
    done = await admin(server.config.storage, "users", "delete", "ann", "--yes")
    assert done.rc == 0, done.err

    history = (await acked(b, MsgId.HISTORY, peer=ann))["messages"]
    assert [(m["id"], m["name"], m["msg"]) for m in history] == [(ann, "ann", "remember me")]
    late = await connect()
    by_name = await late.request(msgid=MsgId.LOGIN, name="ann", password="pw", v=2)
    by_id = await late.request(msgid=MsgId.LOGIN, id=ann, password="pw", v=2)
    assert (by_name["errno"], by_name["errmsg"]) == (Errno.BAD_CREDENTIALS, BAD_CREDENTIALS)
    assert by_id["errno"] == Errno.BAD_CREDENTIALS
    # The name is free for someone new.
    assert await users.register("ann") != ann


@pytest.mark.parametrize("server_options", [{"ended_poll": 0.1}])
async def test_the_operator_ends_live_sessions_at_once(
    server: ChatServer, connect: Connect, users: Users
) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    await chat(a, bob, "before")
    await b.expect(MsgId.ONE_CHAT)
    for verb, client in (("end-sessions", a), ("disable", b)):
        name = "ann" if client is a else "bob"
        done = await admin(server.config.storage, "users", verb, name)
        assert done.rc == 0, done.err
        told = await client.expect(MsgId.ERROR)
        assert (told["errno"], told["errmsg"]) == (Errno.NOT_LOGGED_IN, ENDED)
        assert await client.closed()
    again, _ = await users.login(ann)  # ended, not disabled: a password login is welcome
    refused = await (await connect()).request(msgid=MsgId.LOGIN, id=bob, password="pw", v=2)
    assert refused["errno"] == Errno.ACCOUNT_DISABLED
    await asyncio.sleep(0.3)  # three looks at the storage later
    await again.quiet()  # nobody closes it again


@pytest.mark.parametrize("server_options", [{"ended_poll": 0.1}])
async def test_a_group_the_operator_deletes_is_gone_from_a_running_server(
    server: ChatServer, users: Users
) -> None:
    _, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    group = await new_group(a, "crew")
    await join(b, group)
    await heard(a, ("joined", bob))
    await group_chat(a, group, "before")  # the server holds the group's members now
    assert (await b.expect(MsgId.GROUP_CHAT))["msg"] == "before"
    done = await admin(server.config.storage, "groups", "delete", str(group), "--yes")
    assert done.rc == 0, done.err
    await asyncio.sleep(0.3)  # three looks at the storage later
    await refused(a, MsgId.GROUP_CHAT, Errno.NO_SUCH_GROUP, groupid=group, msg="after")
    await b.quiet()
