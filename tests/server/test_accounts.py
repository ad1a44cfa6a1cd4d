"""Accounts end to end: register, log in by id or name, log out, disconnect, password storage."""

from __future__ import annotations

from chatapp.protocol import Errno, MsgId
from chatapp.server.app import ChatServer
from chatapp.server.config import Config
from chatapp.server.handlers import ALREADY_ONLINE, BAD_CREDENTIALS
from tests.server.conftest import Connect, Users
from tests.server.steps import (
    chat,
    heard,
    join,
    logout,
    make_friends,
    members,
    new_group,
    online,
    refused,
)
from tests.wire import WireClient

LIMITS = Config()


async def register(client: WireClient, name: str, password: str = "pw") -> dict[str, object]:
    return await client.request(msgid=MsgId.REG, name=name, password=password, v=2)


async def login(client: WireClient, password: str = "pw", **who: object) -> dict[str, object]:
    return await client.request(msgid=MsgId.LOGIN, password=password, v=2, **who)


# --- register -------------------------------------------------------------------------


async def test_register_gives_each_account_its_own_id(connect: Connect) -> None:
    client = await connect()
    first = await register(client, "alice")
    second = await register(client, "bob")
    assert first == {"msgid": MsgId.REG_ACK, "errno": 0, "id": first["id"], "rid": 1}
    assert second == {"msgid": MsgId.REG_ACK, "errno": 0, "id": second["id"], "rid": 2}
    assert isinstance(first["id"], int) and isinstance(second["id"], int)
    assert first["id"] != second["id"]
    await client.quiet()


async def test_register_refuses_a_taken_name_and_keeps_the_first_account(
    connect: Connect,
) -> None:
    client = await connect()
    first = await register(client, "alice", "first")
    taken = await register(client, "alice", "second")
    assert taken["msgid"] == MsgId.REG_ACK
    assert taken["errno"] == Errno.NAME_TAKEN and taken["errmsg"] and "id" not in taken
    assert (await login(client, "second", name="alice"))["errno"] == Errno.BAD_CREDENTIALS
    assert (await login(client, "first", name="alice"))["id"] == first["id"]


BAD_NAMES = {
    "empty": "",
    "blank": "   ",
    "too-long": "x" * (LIMITS.max_name_chars + 1),
    "nul": "a\x00b",
    "newline": "a\nb",
    "tab": "a\tb",
    "escape": "a\x1bb",
    "del": "a\x7fb",
    "c1": "a\x85b",
}


async def test_register_refuses_bad_names(connect: Connect) -> None:
    client = await connect()
    for case, name in BAD_NAMES.items():
        reply = await register(client, name)
        assert (reply["msgid"], reply["errno"]) == (MsgId.REG_ACK, Errno.INVALID_ARGUMENT), (
            case,
            reply,
        )
        await client.quiet()


async def test_register_accepts_a_name_of_the_longest_length(connect: Connect) -> None:
    client = await connect()
    name = "名" * LIMITS.max_name_chars
    reply = await register(client, name)
    assert reply["errno"] == 0, reply
    assert (await login(client, name=name))["name"] == name


async def test_register_refuses_an_empty_or_too_long_password(connect: Connect) -> None:
    client = await connect()
    for password in ("", "p" * (LIMITS.max_password_chars + 1)):
        reply = await register(client, "alice", password)
        assert (reply["msgid"], reply["errno"]) == (MsgId.REG_ACK, Errno.INVALID_ARGUMENT), reply
    # Nothing was created: the name is still free, and the longest password works.
    longest = "p" * LIMITS.max_password_chars
    user_id = (await register(client, "alice", longest))["id"]
    assert (await login(client, longest, id=user_id))["errno"] == 0


async def test_quotes_and_sql_in_names_and_passwords_are_plain_data(connect: Connect) -> None:
    """Fault 3: names and passwords never reach SQL as text."""
    client = await connect()
    name = "o'brien\"); DROP TABLE users;--"
    password = "' OR '1'='1"
    user_id = (await register(client, name, password))["id"]
    assert (await login(client, "x' OR '1'='1", name=name))["errno"] == Errno.BAD_CREDENTIALS
    ack = await login(client, password, name=name)
    assert (ack["errno"], ack["id"], ack["name"]) == (0, user_id, name)


async def test_login_by_name_reaches_only_the_account_of_exactly_that_name(
    connect: Connect,
) -> None:
    """Names differing in case or trailing spaces are other names, on every backend.

    Registering such a name may succeed (a new account) or be refused; either way a
    login by that name never opens the first account.
    """
    client = await connect()
    alice = (await register(client, "alice"))["id"]
    for variant in ("alice ", "Alice", "alice\u00a0", " alice"):
        reply = await register(client, variant, "other")
        assert reply["msgid"] == MsgId.REG_ACK, reply
        if reply["errno"] == 0:
            assert reply["id"] != alice
            ack = await login(client, "other", name=variant)
            assert (ack["errno"], ack["id"], ack["name"]) == (0, reply["id"], variant), ack
            await logout(client)
        ack = await login(client, "pw", name=variant)
        assert ack["errno"] == Errno.BAD_CREDENTIALS, (variant, ack)


# --- log in ---------------------------------------------------------------------------


async def test_login_refuses_bad_credentials_with_the_legacy_text(
    users: Users, connect: Connect
) -> None:
    alice = await users.register("alice")
    client = await connect()
    cases: list[tuple[dict[str, object], str]] = [
        ({"id": 999_999}, "pw"),
        ({"id": -1}, "pw"),
        ({"id": alice}, "wrong"),
        ({"id": alice}, ""),
        ({"id": alice}, "PW"),
        ({"name": "nobody"}, "pw"),
        ({"name": "alice"}, "wrong"),
        ({"name": "Alice"}, "pw"),
    ]
    for who, password in cases:
        ack = await login(client, password, **who)
        assert ack == {
            "errmsg": BAD_CREDENTIALS,
            "errno": Errno.BAD_CREDENTIALS,
            "msgid": MsgId.LOGIN_ACK,
            "rid": ack["rid"],
        }, (who, password)
        await client.quiet()
    assert BAD_CREDENTIALS == "id or password is invalid!"
    # The connection is still usable, for a correct login too.
    assert (await login(client, id=alice))["errno"] == 0


async def test_a_console_login_refuses_an_account_online_elsewhere(
    users: Users, connect: Connect
) -> None:
    """The legacy dialect's rule (a current-protocol login is another device: see
    test_devices.py)."""
    alice, first = await online(users, "alice")
    second = await connect(legacy=True)
    await second.send(msgid=MsgId.LOGIN, id=alice, password="pw")
    ack = await second.expect(MsgId.LOGIN_ACK)
    assert ack == {"errmsg": ALREADY_ONLINE, "errno": Errno.ALREADY_ONLINE, "msgid": 2}
    assert ALREADY_ONLINE == "this account is using, input another!"
    # The first session is untouched and the second connection still works.
    await first.quiet()
    await logout(first)
    await second.send(msgid=MsgId.LOGIN, id=alice, password="pw")
    assert (await second.expect(MsgId.LOGIN_ACK))["errno"] == 0


async def test_login_twice_on_one_connection_is_refused(users: Users) -> None:
    alice, client = await online(users, "alice")
    bob = await users.register("bob")
    for who in ({"id": alice}, {"id": bob}, {"name": "bob"}):
        ack = await login(client, **who)
        assert (ack["msgid"], ack["errno"]) == (MsgId.LOGIN_ACK, Errno.ALREADY_LOGGED_IN), ack
    # Still logged in as alice: bob is free to log in elsewhere.
    bob_client, _ = await users.login(bob)
    await chat(client, bob, "still alice")
    assert (await bob_client.expect(MsgId.ONE_CHAT))["id"] == alice


async def test_login_by_id_and_by_name_reach_the_same_account(
    users: Users, connect: Connect
) -> None:
    alice = await users.register("alice")
    client = await connect()
    by_id = await login(client, id=alice)
    await logout(client)
    by_name = await login(client, name="alice")
    for ack in (by_id, by_name):
        assert (ack["errno"], ack["id"], ack["name"]) == (0, alice, "alice")


async def test_login_ack_lists_friends_groups_and_offline_messages(users: Users) -> None:
    """Friends with presence, groups with members and roles, offline messages in order."""
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    carol, c = await online(users, "carol")
    dave, d = await online(users, "dave")
    await make_friends(a, alice, b, bob)
    await make_friends(a, alice, d, dave)
    await make_friends(c, carol, a, alice)
    await logout(d)
    assert (await a.expect(MsgId.PRESENCE))["id"] == dave
    group = await new_group(a, "team", "the team")
    await join(b, group)
    await join(c, group)
    await heard(a, ("joined", bob), ("joined", carol))
    await heard(b, ("joined", carol))
    await logout(c)
    assert (await a.expect(MsgId.PRESENCE))["id"] == carol
    await logout(a)
    assert (await b.expect(MsgId.PRESENCE))["id"] == alice
    mids = [await chat(b, alice, "while you were away"), await chat(b, alice, "second")]

    a, ack = await users.login(alice)
    assert (ack["errno"], ack["id"], ack["name"]) == (0, alice, "alice")
    assert ack["friends"] == [
        {"id": bob, "name": "bob", "state": "online"},
        {"id": carol, "name": "carol", "state": "offline"},
        {"id": dave, "name": "dave", "state": "offline"},
    ]
    assert ack["groups"] == [
        {
            "id": group,
            "groupname": "team",
            "groupdesc": "the team",
            "count": 3,
            "public": True,
            "history": "all",
        }
    ]
    assert (ack["max_frame"], "more_friends" in ack, "more_groups" in ack) == (
        LIMITS.max_frame,
        False,
        False,
    )
    assert await members(a, group) == [
        {"id": alice, "name": "alice", "state": "online", "role": "creator"},
        {"id": bob, "name": "bob", "state": "online", "role": "normal"},
        {"id": carol, "name": "carol", "state": "offline", "role": "normal"},
    ]
    assert [(m["id"], m["msg"], m["mid"]) for m in ack["offlinemsg"]] == [
        (bob, "while you were away", mids[0]),
        (bob, "second", mids[1]),
    ]


async def test_offline_messages_wait_for_the_first_login(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob = await users.register("bob")
    mids = [await chat(a, bob, f"m{i}") for i in range(3)]
    _, ack = await users.login(bob)
    assert [(m["id"], m["name"], m["msg"], m["mid"]) for m in ack["offlinemsg"]] == [
        (alice, "alice", f"m{i}", mid) for i, mid in enumerate(mids)
    ]


# --- log out and disconnect -----------------------------------------------------------


async def test_logout_keeps_the_connection_open_for_another_login(users: Users) -> None:
    alice, client = await online(users, "alice")
    bob = await users.register("bob")
    ack = await client.request(msgid=MsgId.LOGOUT)
    assert ack == {"msgid": MsgId.ACK, "re": MsgId.LOGOUT, "errno": 0, "rid": ack["rid"]}
    await client.quiet()
    await refused(client, MsgId.ONE_CHAT, Errno.NOT_LOGGED_IN, toid=bob, msg="hi")
    assert (await login(client, id=bob))["id"] == bob
    await logout(client)
    assert (await login(client, id=alice))["id"] == alice


async def test_logout_tells_friends_offline(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    await make_friends(a, alice, b, bob)
    await logout(a)
    presence = await b.expect(MsgId.PRESENCE)
    assert presence == {"msgid": MsgId.PRESENCE, "id": alice, "name": "alice", "state": "offline"}
    await b.quiet()


async def test_disconnect_without_logout_tells_friends_and_frees_the_account(
    users: Users,
) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    await make_friends(b, bob, a, alice)
    await a.close()
    presence = await b.expect(MsgId.PRESENCE)
    assert (presence["id"], presence["state"]) == (alice, "offline")
    # Alice is really offline: chats are stored, and she can log in again.
    mid = await chat(b, alice, "are you there?")
    a, ack = await users.login(alice)
    assert [m["mid"] for m in ack["offlinemsg"]] == [mid]
    assert ack["friends"] == [{"id": bob, "name": "bob", "state": "online"}]
    assert (await b.expect(MsgId.PRESENCE))["state"] == "online"


async def test_disconnect_frees_an_account_that_had_no_friends(users: Users) -> None:
    alice, a = await online(users, "alice")
    await a.close()
    assert await a.closed()
    client, ack = await users.login(alice)
    assert ack["id"] == alice
    await client.quiet()


# --- password storage (fault 2) -------------------------------------------------------


async def test_passwords_are_stored_as_salted_scrypt_hashes(
    users: Users, server: ChatServer
) -> None:
    password = "correct horse battery staple"
    alice = await users.register("alice", password=password)
    bob = await users.register("bob", password=password)
    stored = [await server.storage.user_by_id(uid) for uid in (alice, bob)]
    hashes = [user.password_hash for user in stored if user is not None]
    assert len(hashes) == 2
    for encoded in hashes:
        assert encoded.startswith("scrypt$"), encoded
        assert password not in encoded
    assert hashes[0] != hashes[1], "same password, same hash: no salt"
    _, ack = await users.login(alice, password=password)
    assert ack["id"] == alice
