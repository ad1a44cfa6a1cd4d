"""Invite-only groups end to end: creating one, invitations told live and listed in pages,
answering them, who may invite, and the limits on size and on invitations waiting."""

from __future__ import annotations

import pytest

from chatapp.protocol import Errno, MsgId
from tests.server.conftest import Connect, Users
from tests.server.console import console_online
from tests.server.steps import (
    acked,
    assert_exact,
    group_chat,
    heard,
    join,
    members,
    online,
    refused,
)
from tests.wire import WireClient


async def closed_group(client: WireClient, name: str = "club", history: str = "all") -> int:
    """Creates an invite-only group; returns its id."""
    ack = await acked(client, MsgId.CREATE_GROUP, groupname=name, public=False, history=history)
    return int(ack["groupid"])


async def invite(client: WireClient, groupid: int, userid: int) -> None:
    ack = await acked(client, MsgId.GROUP_INVITE, groupid=groupid, userid=userid)
    assert ack["groupid"] == groupid


async def test_an_invite_only_group_refuses_a_join_without_an_invitation(users: Users) -> None:
    _, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    group = await closed_group(a)
    await refused(b, MsgId.ADD_GROUP, Errno.INVITE_ONLY, groupid=group)
    await a.quiet()  # nobody joined, nobody is told
    assert [m["id"] for m in await members(a, group)] != [bob]
    await refused(b, MsgId.MEMBERS, Errno.NOT_A_MEMBER, groupid=group)


async def test_a_legacy_join_of_an_invite_only_group_gets_an_error_and_goes_on(
    users: Users, connect: Connect
) -> None:
    _, a = await online(users, "alice")
    carol, con = await console_online(users, connect, "carol")
    group = await closed_group(a)
    await con.add_group(group)
    error = await con.client.expect(MsgId.ERROR)
    assert (error["errno"], error["re"]) == (Errno.INVITE_ONLY, MsgId.ADD_GROUP)
    await con.client.quiet()
    # The console goes on working: a chat still goes through.
    alice = (await members(a, group))[0]["id"]
    await con.chat(alice, "still here")
    assert (await a.expect(MsgId.ONE_CHAT))["msg"] == "still here"
    # And with an invitation, the same request joins; the console hears nothing new.
    await invite(a, group, carol)
    await con.client.quiet()
    await con.add_group(group)
    await con.client.quiet()
    await heard(a, ("joined", carol))
    await con.group_chat(group, "hello")
    assert (await a.expect(MsgId.GROUP_CHAT))["msg"] == "hello"


async def test_an_invitation_is_told_live_to_the_invitee_and_the_members(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    carol, c = await online(users, "carol")
    group = await closed_group(a, "club", history="joined")
    await invite(a, group, bob)
    await heard(b, ("invited", bob))
    await acked(b, MsgId.INVITE_ANSWER, groupid=group, accept=True)
    await heard(a, ("joined", bob))
    await invite(a, group, carol)
    told = await c.expect(MsgId.GROUP_EVENT)
    assert_exact(
        told,
        {
            "msgid": MsgId.GROUP_EVENT,
            "groupid": group,
            "event": "invited",
            "user": {"id": carol, "name": "carol"},
            "by": {"id": alice, "name": "alice", "role": "creator"},
            "group": {
                "id": group,
                "groupname": "club",
                "groupdesc": "",
                "public": False,
                "history": "joined",
            },
        },
    )
    assert (await b.expect(MsgId.GROUP_EVENT))["event"] == "invited"
    await a.quiet()  # the inviter has the ACK
    # Inviting again changes nothing and tells nobody.
    await invite(a, group, carol)
    await c.quiet()
    await b.quiet()


async def test_invites_are_listed_in_pages_with_group_and_inviter(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    groups = [await closed_group(a, f"club{n}") for n in range(3)]
    for group in groups:
        await invite(a, group, bob)
    first = await acked(b, MsgId.INVITES, limit=2)
    assert first["more"] is True
    assert first["invites"][0] == {
        "id": groups[0],
        "groupname": "club0",
        "groupdesc": "",
        "by": {"id": alice, "name": "alice"},
    }
    rest = await acked(b, MsgId.INVITES, after=first["invites"][-1]["id"])
    assert rest["more"] is False
    assert [i["id"] for i in first["invites"] + rest["invites"]] == groups
    await refused(b, MsgId.INVITES, Errno.INVALID_ARGUMENT, limit=0)
    assert (await acked(a, MsgId.INVITES))["invites"] == []


async def test_answers_join_or_decline_and_spend_the_invitation(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    _, c = await online(users, "carol")
    group = await closed_group(a)
    await invite(a, group, bob)
    await b.expect(MsgId.GROUP_EVENT)
    ack = await acked(b, MsgId.INVITE_ANSWER, groupid=group, accept=True)
    assert ack["group"] == {
        "id": group,
        "groupname": "club",
        "groupdesc": "",
        "count": 2,
        "public": False,
        "history": "all",
    }
    joined = await heard(a, ("joined", bob))
    assert joined[0]["user"] == {"id": bob, "name": "bob", "role": "normal"}
    await refused(b, MsgId.INVITE_ANSWER, Errno.NO_SUCH_REQUEST, groupid=group, accept=True)
    assert (await acked(b, MsgId.INVITES))["invites"] == []
    await group_chat(b, group, "in")
    assert (await a.expect(MsgId.GROUP_CHAT))["msg"] == "in"
    # Somebody never invited has nothing to answer.
    await refused(c, MsgId.INVITE_ANSWER, Errno.NO_SUCH_REQUEST, groupid=group, accept=False)
    ids = [m["id"] for m in await members(a, group)]
    assert ids == [alice, bob]


async def test_a_declined_invitation_is_spent_and_told_to_nobody(users: Users) -> None:
    _, a = await online(users, "alice")
    carol, c = await online(users, "carol")
    group = await closed_group(a)
    await invite(a, group, carol)
    await c.expect(MsgId.GROUP_EVENT)
    ack = await acked(c, MsgId.INVITE_ANSWER, groupid=group, accept=False)
    assert ack["groupid"] == group and "group" not in ack
    await a.quiet()
    await refused(c, MsgId.ADD_GROUP, Errno.INVITE_ONLY, groupid=group)
    await refused(c, MsgId.INVITE_ANSWER, Errno.NO_SUCH_REQUEST, groupid=group, accept=True)


async def test_who_may_invite(users: Users) -> None:
    _, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    carol, c = await online(users, "carol")
    dave, _ = await online(users, "dave")
    closed = await closed_group(a)
    await invite(a, closed, bob)
    await acked(b, MsgId.INVITE_ANSWER, groupid=closed, accept=True)
    # A plain member may not invite into an invite-only group; an outsider into none.
    await refused(b, MsgId.GROUP_INVITE, Errno.FORBIDDEN, groupid=closed, userid=carol)
    await refused(c, MsgId.GROUP_INVITE, Errno.NOT_A_MEMBER, groupid=closed, userid=dave)
    await acked(a, MsgId.SET_ROLE, groupid=closed, userid=bob, role="admin")
    await invite(b, closed, carol)  # an admin may
    # Into a public group any member may.
    open_group = int((await acked(c, MsgId.CREATE_GROUP, groupname="open"))["groupid"])
    await join(b, open_group)
    await invite(b, open_group, dave)
    await refused(b, MsgId.GROUP_INVITE, Errno.ALREADY_MEMBER, groupid=open_group, userid=carol)
    await refused(b, MsgId.GROUP_INVITE, Errno.NO_SUCH_USER, groupid=open_group, userid=99_999)
    await refused(b, MsgId.GROUP_INVITE, Errno.NO_SUCH_GROUP, groupid=99_999, userid=dave)


@pytest.mark.parametrize("server_options", [{"max_group_members": 2, "max_group_invites": 2}])
async def test_the_size_limit_and_the_invitations_bound(users: Users) -> None:
    _, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    carol, c = await online(users, "carol")
    dave, d = await online(users, "dave")
    erin, _ = await online(users, "erin")
    group = await closed_group(a)
    for user in (bob, carol):
        await invite(a, group, user)
    await refused(a, MsgId.GROUP_INVITE, Errno.TOO_MANY_INVITES, groupid=group, userid=dave)
    await refused(a, MsgId.GROUP_INVITE, Errno.TOO_MANY_INVITES, groupid=group, userid=erin)
    await acked(b, MsgId.INVITE_ANSWER, groupid=group, accept=True)
    await refused(c, MsgId.INVITE_ANSWER, Errno.GROUP_FULL, groupid=group, accept=True)
    assert len((await acked(c, MsgId.INVITES))["invites"]) == 1  # kept for when there is room
    open_group = int((await acked(d, MsgId.CREATE_GROUP, groupname="open"))["groupid"])
    await join(c, open_group)
    await refused(b, MsgId.ADD_GROUP, Errno.GROUP_FULL, groupid=open_group)
    assert len(await members(d, open_group)) == 2
