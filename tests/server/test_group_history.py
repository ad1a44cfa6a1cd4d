"""A group's history setting end to end: with `all` a newcomer reads what was said before
they joined; with `joined` only what was said from their joining on."""

from __future__ import annotations

from chatapp.protocol import MsgId
from tests.server.conftest import Users
from tests.server.steps import acked, group_chat, heard, join, online
from tests.wire import WireClient


async def said(client: WireClient, groupid: int) -> list[str]:
    """The texts of the group's history as the client may read it, oldest first."""
    reply = await acked(client, MsgId.HISTORY, groupid=groupid)
    assert reply["more"] is False
    return [m["msg"] for m in reversed(reply["messages"])]


async def group_with_a_past(users: Users, history: str) -> tuple[int, WireClient, WireClient, int]:
    """alice's group with `history`, two messages old before bob joins and one after;
    returns alice's id, both clients and the group."""
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    ack = await acked(a, MsgId.CREATE_GROUP, groupname="g", history=history)
    group = int(ack["groupid"])
    for text in ("old 1", "old 2"):
        await group_chat(a, group, text)
    await join(b, group)
    await heard(a, ("joined", bob))
    await group_chat(a, group, "new")
    assert (await b.expect(MsgId.GROUP_CHAT))["msg"] == "new"
    return alice, a, b, group


async def test_with_history_all_a_newcomer_reads_everything(users: Users) -> None:
    _, a, b, group = await group_with_a_past(users, "all")
    assert await said(b, group) == ["old 1", "old 2", "new"]
    assert await said(a, group) == ["old 1", "old 2", "new"]


async def test_with_history_joined_a_newcomer_reads_from_their_joining_on(users: Users) -> None:
    alice, a, b, group = await group_with_a_past(users, "joined")
    assert await said(b, group) == ["new"]
    assert await said(a, group) == ["old 1", "old 2", "new"]  # she was there
    # Paging back from the newest gives nothing earlier either.
    mids = [m["mid"] for m in (await acked(a, MsgId.HISTORY, groupid=group))["messages"]]
    page = await acked(b, MsgId.HISTORY, groupid=group, before=mids[0], limit=1)
    assert (page["messages"], page["more"]) == ([], False)
    # The setting is the group's: opened up, the past is there for him too.
    await acked(a, MsgId.EDIT_GROUP, groupid=group, history="all")
    (edited,) = await heard(b, ("edited", alice))
    assert edited["group"]["history"] == "all"
    assert await said(b, group) == ["old 1", "old 2", "new"]


async def test_a_member_who_comes_back_reads_from_the_new_joining_on(users: Users) -> None:
    _, a, b, group = await group_with_a_past(users, "joined")
    await acked(b, MsgId.LEAVE_GROUP, groupid=group)
    event = await a.expect(MsgId.GROUP_EVENT)
    await group_chat(a, group, "while away")
    await join(b, group)
    await group_chat(a, group, "back")
    assert (await b.expect(MsgId.GROUP_CHAT))["msg"] == "back"
    assert await said(b, group) == ["back"]
    assert event["event"] == "left"


async def test_conversations_show_a_newcomer_nothing_from_before_they_joined(
    users: Users,
) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    group = int((await acked(a, MsgId.CREATE_GROUP, groupname="g", history="joined"))["groupid"])
    for text in ("old 1", "old 2"):
        await group_chat(a, group, text)
    await join(b, group)
    await heard(a, ("joined", bob))
    # Nothing said since bob joined: the group's last message is not his to see.
    assert (await acked(b, MsgId.CONVERSATIONS))["conversations"] == []
    mid = await group_chat(a, group, "new")
    assert (await b.expect(MsgId.GROUP_CHAT))["msg"] == "new"
    [listed] = (await acked(b, MsgId.CONVERSATIONS))["conversations"]
    assert (listed["last"]["mid"], listed["unread"]) == (mid, 1)  # the old ones are not unread
    [hers] = (await acked(a, MsgId.CONVERSATIONS))["conversations"]
    assert (hers["last"]["mid"], hers["unread"], alice) == (mid, 0, hers["last"]["id"])
