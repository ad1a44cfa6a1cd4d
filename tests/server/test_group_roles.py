"""Roles end to end: leaving, removing, promoting and demoting, editing, what a creator's
departure passes on; every member told live, and a departed member cut off at once."""

from __future__ import annotations

from chatapp.protocol import Errno, MsgId
from tests.server.conftest import Connect, Users
from tests.server.console import console_online
from tests.server.steps import (
    acked,
    assert_exact,
    decoded,
    group_chat,
    heard,
    join,
    members,
    new_group,
    online,
    refused,
)
from tests.wire import WireClient


async def team(users: Users) -> tuple[list[int], list[WireClient], int]:
    """alice creates "team", bob and carol join; every join is heard. Returns the ids,
    the clients and the group."""
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    carol, c = await online(users, "carol")
    group = await new_group(a, "team")
    await join(b, group)
    await join(c, group)
    await heard(a, ("joined", bob), ("joined", carol))
    await heard(b, ("joined", carol))
    return [alice, bob, carol], [a, b, c], group


async def test_a_member_who_leaves_is_cut_off_and_the_rest_are_told(users: Users) -> None:
    (alice, bob, carol), (a, b, c), group = await team(users)
    await group_chat(a, group, "before")
    for client in (b, c):
        assert (await client.expect(MsgId.GROUP_CHAT))["msg"] == "before"
    ack = await acked(c, MsgId.LEAVE_GROUP, groupid=group)
    assert ack["groupid"] == group
    for client in (a, b):
        (event,) = await heard(client, ("left", carol))
        assert event["user"] == {"id": carol, "name": "carol", "role": "normal"}
        assert "by" not in event
    await group_chat(a, group, "after")
    assert (await b.expect(MsgId.GROUP_CHAT))["msg"] == "after"
    await c.quiet()  # nothing more reaches her
    await refused(c, MsgId.GROUP_CHAT, Errno.NOT_A_MEMBER, groupid=group, msg="x")
    await refused(c, MsgId.HISTORY, Errno.NOT_A_MEMBER, groupid=group)
    await refused(c, MsgId.MEMBERS, Errno.NOT_A_MEMBER, groupid=group)
    await refused(c, MsgId.LEAVE_GROUP, Errno.NOT_A_MEMBER, groupid=group)
    await refused(c, MsgId.LEAVE_GROUP, Errno.NO_SUCH_GROUP, groupid=99_999)
    assert [m["id"] for m in await members(a, group)] == [alice, bob]
    # A public group takes her back.
    await join(c, group)
    await heard(a, ("joined", carol))


async def test_removals_follow_the_roles(users: Users) -> None:
    (alice, bob, carol), (a, b, c), group = await team(users)
    dave, d = await online(users, "dave")
    await join(d, group)
    for client in (a, b, c):
        await heard(client, ("joined", dave))
    await refused(b, MsgId.REMOVE_MEMBER, Errno.FORBIDDEN, groupid=group, userid=carol)
    await acked(a, MsgId.SET_ROLE, groupid=group, userid=bob, role="admin")
    for client in (b, c, d):
        await heard(client, ("role", bob))
    # An admin removes a plain member, not the creator nor another admin.
    await refused(b, MsgId.REMOVE_MEMBER, Errno.FORBIDDEN, groupid=group, userid=alice)
    await refused(b, MsgId.REMOVE_MEMBER, Errno.FORBIDDEN, groupid=group, userid=bob)
    await refused(b, MsgId.REMOVE_MEMBER, Errno.NO_SUCH_USER, groupid=group, userid=99_999)
    await acked(b, MsgId.REMOVE_MEMBER, groupid=group, userid=carol)
    (told,) = await heard(c, ("removed", carol))
    assert told["by"] == {"id": bob, "name": "bob", "role": "admin"}
    for client in (a, d):
        await heard(client, ("removed", carol))
    await refused(b, MsgId.REMOVE_MEMBER, Errno.NOT_A_MEMBER, groupid=group, userid=carol)
    await group_chat(d, group, "after")
    await c.quiet()
    await refused(c, MsgId.HISTORY, Errno.NOT_A_MEMBER, groupid=group)
    # The creator removes an admin too, but not itself.
    await refused(a, MsgId.REMOVE_MEMBER, Errno.FORBIDDEN, groupid=group, userid=alice)
    await acked(a, MsgId.REMOVE_MEMBER, groupid=group, userid=bob)
    assert [m["id"] for m in await members(a, group)] == [alice, dave]


async def test_who_promotes_and_who_demotes(users: Users) -> None:
    (alice, bob, carol), (a, b, c), group = await team(users)
    await refused(c, MsgId.SET_ROLE, Errno.FORBIDDEN, groupid=group, userid=carol, role="admin")
    await acked(a, MsgId.SET_ROLE, groupid=group, userid=bob, role="admin")
    (event,) = await heard(c, ("role", bob))
    assert_exact(
        event,
        {
            "msgid": MsgId.GROUP_EVENT,
            "groupid": group,
            "event": "role",
            "user": {"id": bob, "name": "bob", "role": "admin"},
            "by": {"id": alice, "name": "alice", "role": "creator"},
        },
    )
    await acked(b, MsgId.SET_ROLE, groupid=group, userid=carol, role="admin")  # admins promote
    await heard(a, ("role", carol))  # not of bob's: she made that change herself
    await refused(b, MsgId.SET_ROLE, Errno.FORBIDDEN, groupid=group, userid=carol, role="member")
    await refused(b, MsgId.SET_ROLE, Errno.FORBIDDEN, groupid=group, userid=alice, role="member")
    await refused(a, MsgId.SET_ROLE, Errno.FORBIDDEN, groupid=group, userid=alice, role="admin")
    await refused(a, MsgId.SET_ROLE, Errno.BAD_FIELD, groupid=group, userid=bob, role="creator")
    await acked(a, MsgId.SET_ROLE, groupid=group, userid=carol, role="member")
    await acked(b, MsgId.SET_ROLE, groupid=group, userid=bob, role="member")  # steps down
    roles = {m["id"]: m["role"] for m in await members(a, group)}
    assert roles == {alice: "creator", bob: "normal", carol: "normal"}
    await acked(a, MsgId.SET_ROLE, groupid=group, userid=bob, role="member")  # no change
    await heard(c, ("role", carol), ("role", carol), ("role", bob))
    await c.quiet()  # the change that changed nothing was told to nobody


async def test_a_creator_who_leaves_passes_the_role_on(users: Users) -> None:
    (alice, bob, carol), (a, b, c), group = await team(users)
    await acked(a, MsgId.SET_ROLE, groupid=group, userid=carol, role="admin")
    await heard(b, ("role", carol))
    await heard(c, ("role", carol))
    await acked(a, MsgId.LEAVE_GROUP, groupid=group)
    for client in (b, c):
        left, heir = await heard(client, ("left", alice), ("role", carol))
        assert left["user"]["role"] == "creator"
        assert heir["user"] == {"id": carol, "name": "carol", "role": "creator"}
    roles = {m["id"]: m["role"] for m in await members(b, group)}
    assert roles == {bob: "normal", carol: "creator"}
    await acked(c, MsgId.LEAVE_GROUP, groupid=group)
    await heard(b, ("left", carol), ("role", bob))  # no admin left: the longest-standing
    await acked(b, MsgId.LEAVE_GROUP, groupid=group)
    # Empty, the group stays; whoever joins it next leads it.
    await join(a, group)
    assert [(m["id"], m["role"]) for m in await members(a, group)] == [(alice, "creator")]


async def test_admins_edit_the_group_and_every_member_is_told(users: Users) -> None:
    (_, bob, _), (a, b, c), group = await team(users)
    await refused(b, MsgId.EDIT_GROUP, Errno.FORBIDDEN, groupid=group, desc="mine")
    await acked(a, MsgId.SET_ROLE, groupid=group, userid=bob, role="admin")
    await heard(c, ("role", bob))
    await heard(b, ("role", bob))
    ack = await acked(b, MsgId.EDIT_GROUP, groupid=group, name="crew", desc="new", public=False)
    assert ack["groupid"] == group
    for client in (a, c):
        (event,) = await heard(client, ("edited", bob))
        assert event["group"] == {
            "id": group,
            "groupname": "crew",
            "groupdesc": "new",
            "public": False,
            "history": "all",
        }
    await b.quiet()
    _, d = await online(users, "dave")
    await refused(d, MsgId.ADD_GROUP, Errno.INVITE_ONLY, groupid=group)
    await new_group(d, "taken")
    for name in ("taken", "t\u0430ken"):  # the second with a Cyrillic a
        await refused(b, MsgId.EDIT_GROUP, Errno.NAME_TAKEN, groupid=group, name=name)
    await refused(b, MsgId.EDIT_GROUP, Errno.INVALID_ARGUMENT, groupid=group, name=" ")
    await refused(b, MsgId.EDIT_GROUP, Errno.INVALID_ARGUMENT, groupid=group, desc="d" * 256)
    await refused(b, MsgId.EDIT_GROUP, Errno.BAD_FIELD, groupid=group, history="some")
    await refused(d, MsgId.EDIT_GROUP, Errno.NOT_A_MEMBER, groupid=group, desc="x")
    await refused(d, MsgId.CREATE_GROUP, Errno.NAME_TAKEN, groupname="crew")
    await new_group(d, "team")  # the old name is free again
    await acked(b, MsgId.EDIT_GROUP, groupid=group)  # nothing to change: nobody told
    await a.quiet()


async def test_a_legacy_member_sees_an_admin_as_normal_and_hears_no_events(
    users: Users, connect: Connect
) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    carol, con = await console_online(users, connect, "carol")
    group = await new_group(a, "team")
    await join(b, group)
    await con.add_group(group)
    await acked(a, MsgId.SET_ROLE, groupid=group, userid=bob, role="admin")
    await acked(a, MsgId.EDIT_GROUP, groupid=group, desc="edited")
    await con.client.quiet()  # no GROUP_EVENT for the console
    await con.logout()
    ack = await con.login(carol)
    (listed,) = decoded(ack["groups"])
    roles = {m["id"]: m["role"] for m in decoded(listed["users"])}
    assert roles == {alice: "creator", bob: "normal", carol: "normal"}
    assert {m["id"]: m["role"] for m in await members(a, group)}[bob] == "admin"
