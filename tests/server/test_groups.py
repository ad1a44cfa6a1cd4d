"""Groups end to end: create, join, and group chat online and offline."""

from __future__ import annotations

from chatapp.protocol import Errno, MsgId
from chatapp.server.config import Config
from tests.server.conftest import Users
from tests.server.steps import (
    acked,
    assert_has,
    assert_recent,
    group_chat,
    heard,
    join,
    logout,
    members,
    new_group,
    online,
    refused,
)

LIMITS = Config()


async def test_create_group_acks_with_its_id_and_the_creator_is_its_creator(
    users: Users,
) -> None:
    alice, a = await online(users, "alice")
    ack = await acked(a, MsgId.CREATE_GROUP, groupname="team", groupdesc="our team")
    assert ack == {
        "msgid": MsgId.ACK,
        "re": MsgId.CREATE_GROUP,
        "errno": 0,
        "groupid": ack["groupid"],
        "rid": ack["rid"],
    }
    other = await new_group(a, "other")
    assert isinstance(ack["groupid"], int) and other != ack["groupid"]
    await logout(a)
    await a.close()
    a2, login = await users.login(alice)
    assert login["groups"] == [
        {
            "id": ack["groupid"],
            "groupname": "team",
            "groupdesc": "our team",
            "count": 1,
            "public": True,
            "history": "all",
        },
        {
            "id": other,
            "groupname": "other",
            "groupdesc": "",
            "count": 1,
            "public": True,
            "history": "all",
        },
    ]
    assert await members(a2, other) == [
        {"id": alice, "name": "alice", "state": "online", "role": "creator"}
    ]


async def test_create_group_refuses_a_taken_name(users: Users) -> None:
    _, a = await online(users, "alice")
    _, b = await online(users, "bob")
    await new_group(a, "team")
    await refused(b, MsgId.CREATE_GROUP, Errno.NAME_TAKEN, groupname="team", groupdesc="")
    await refused(a, MsgId.CREATE_GROUP, Errno.NAME_TAKEN, groupname="team", groupdesc="")


async def test_create_group_refuses_bad_names_and_descriptions(users: Users) -> None:
    alice, a = await online(users, "alice")
    cases = [
        ("", ""),
        ("  ", ""),
        ("g" * (LIMITS.max_name_chars + 1), ""),
        ("a\x07b", ""),
        ("fine", "d" * (LIMITS.max_desc_chars + 1)),
    ]
    for name, desc in cases:
        await refused(a, MsgId.CREATE_GROUP, Errno.INVALID_ARGUMENT, groupname=name, groupdesc=desc)
    await logout(a)
    await a.close()
    _, login = await users.login(alice)
    assert login["groups"] == []


async def test_create_group_accepts_the_longest_name_and_description(users: Users) -> None:
    _, a = await online(users, "alice")
    name, desc = "群" * LIMITS.max_name_chars, "d" * LIMITS.max_desc_chars
    group = await new_group(a, name, desc)
    _, b = await online(users, "bob")
    joined = await join(b, group)
    assert (joined["groupname"], joined["groupdesc"]) == (name, desc)


async def test_join_refuses_an_unknown_group(users: Users) -> None:
    _, a = await online(users, "alice")
    for groupid in (999_999, 0, -1):
        await refused(a, MsgId.ADD_GROUP, Errno.NO_SUCH_GROUP, groupid=groupid)


async def test_join_refuses_a_second_membership(users: Users) -> None:
    _, a = await online(users, "alice")
    _, b = await online(users, "bob")
    group = await new_group(a, "team")
    await refused(a, MsgId.ADD_GROUP, Errno.ALREADY_MEMBER, groupid=group)
    await join(b, group)
    await refused(b, MsgId.ADD_GROUP, Errno.ALREADY_MEMBER, groupid=group)


async def test_join_acks_with_the_group_and_its_count_and_members_are_asked_for(
    users: Users,
) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    carol, c = await online(users, "carol")
    group = await new_group(a, "team", "desc")
    await join(b, group)
    await logout(b)
    ack = await acked(c, MsgId.ADD_GROUP, groupid=group)
    assert ack == {
        "msgid": MsgId.ACK,
        "re": MsgId.ADD_GROUP,
        "errno": 0,
        "group": {
            "id": group,
            "groupname": "team",
            "groupdesc": "desc",
            "count": 3,
            "public": True,
            "history": "all",
        },
        "rid": ack["rid"],
    }
    assert await members(c, group) == [
        {"id": alice, "name": "alice", "state": "online", "role": "creator"},
        {"id": bob, "name": "bob", "state": "offline", "role": "normal"},
        {"id": carol, "name": "carol", "state": "online", "role": "normal"},
    ]


async def test_group_chat_refuses_a_non_member_and_an_unknown_group(users: Users) -> None:
    _, a = await online(users, "alice")
    _, b = await online(users, "bob")
    group = await new_group(a, "team")
    await refused(b, MsgId.GROUP_CHAT, Errno.NOT_A_MEMBER, groupid=group, msg="let me in")
    await refused(b, MsgId.GROUP_CHAT, Errno.NO_SUCH_GROUP, groupid=999_999, msg="anyone?")
    await a.quiet()


async def test_group_chat_text_must_be_neither_empty_nor_too_long(users: Users) -> None:
    _, a = await online(users, "alice")
    _, b = await online(users, "bob")
    group = await new_group(a, "team")
    await join(b, group)
    for text in ("", "x" * (LIMITS.max_message_chars + 1)):
        await refused(a, MsgId.GROUP_CHAT, Errno.INVALID_ARGUMENT, groupid=group, msg=text)
    await b.quiet()


async def test_group_chat_reaches_every_other_member_online_or_at_next_login(
    users: Users,
) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    carol, c = await online(users, "carol")
    _, outsider = await online(users, "dave")
    group = await new_group(a, "team")
    await join(b, group)
    await join(c, group)
    await heard(a, ("joined", bob), ("joined", carol))
    await heard(b, ("joined", carol))
    await logout(c)

    mid = await group_chat(a, group, "hello team")
    got = await b.expect(MsgId.GROUP_CHAT)
    assert_has(
        got,
        {
            "msgid": MsgId.GROUP_CHAT,
            "id": alice,
            "name": "alice",
            "groupid": group,
            "msg": "hello team",
            "time": got["time"],
            "mid": mid,
            "ts": got["ts"],
        },
    )
    assert_recent(got["time"], got["ts"])
    # The sender does not get it back, and outsiders hear nothing.
    await a.quiet()
    await b.quiet()
    await outsider.quiet()

    await c.close()
    c, ack = await users.login(carol)
    (stored,) = ack["offlinemsg"]
    keys = ("msgid", "id", "name", "groupid", "msg", "time", "mid", "ts")
    assert {k: stored[k] for k in keys} == {k: got[k] for k in keys}
    await c.quiet()

    # Now all three are online: bob's message reaches alice and carol at once.
    reply = await group_chat(b, group, "hi both")
    for member in (a, c):
        message = await member.expect(MsgId.GROUP_CHAT)
        assert (message["id"], message["msg"], message["mid"]) == (bob, "hi both", reply)
    await b.quiet()


async def test_group_chat_offline_messages_keep_their_order(users: Users) -> None:
    _, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    group = await new_group(a, "team")
    await join(b, group)
    await logout(b)
    mids = [await group_chat(a, group, f"g{i}") for i in range(4)]
    await b.close()
    _, ack = await users.login(bob)
    assert [(m["msg"], m["mid"]) for m in ack["offlinemsg"]] == [
        (f"g{i}", mid) for i, mid in enumerate(mids)
    ]


async def test_a_member_who_joins_later_gets_later_messages(users: Users) -> None:
    _, a = await online(users, "alice")
    _, b = await online(users, "bob")
    group = await new_group(a, "team")
    await group_chat(a, group, "before bob")
    await join(b, group)
    mid = await group_chat(a, group, "after bob")
    got = await b.expect(MsgId.GROUP_CHAT)
    assert (got["msg"], got["mid"]) == ("after bob", mid)
    await b.quiet()
