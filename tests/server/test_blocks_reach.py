"""A block reaches past chats: friend requests, invitations, typing and receipts of a
blocked user never arrive, and the blocked user is answered as if they had. A stranger's
typing reaches only a user who takes strangers' chats as they come."""

from __future__ import annotations

from chatapp.protocol import MsgId
from tests.server.conftest import Users
from tests.server.steps import (
    acked,
    chat,
    friend_event,
    heard,
    join,
    make_friends,
    new_group,
    online,
)


async def test_blocking_drops_the_friend_requests_between_the_two(users: Users) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    dan, d = await online(users, "dan")
    await acked(b, MsgId.FRIEND_REQUEST, to=ann)
    await friend_event(a, "request", bob)
    await acked(a, MsgId.FRIEND_REQUEST, to=dan)
    await friend_event(d, "request", ann)
    for other in (bob, dan):
        await acked(a, MsgId.BLOCK, userid=other)
    for client, side in ((a, "in"), (a, "out"), (b, "out"), (d, "in")):
        assert (await acked(client, MsgId.REQUESTS, dir=side))["requests"] == [], side
    for client in (a, b, d):
        await client.quiet()  # nobody is told


async def test_a_blocked_users_friend_request_is_acked_and_never_arrives(users: Users) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    await acked(a, MsgId.BLOCK, userid=bob)
    reply = await acked(b, MsgId.FRIEND_REQUEST, to=ann)
    assert (reply["state"], reply["user"]) == ("requested", {"id": ann, "name": "ann"})
    assert (await acked(b, MsgId.FRIEND_REQUEST, to=ann))["state"] == "requested"
    await a.quiet()
    assert (await acked(a, MsgId.REQUESTS, dir="in"))["requests"] == []


async def test_a_blocked_users_invitation_is_acked_and_never_arrives(users: Users) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    earlier = await new_group(b, "earlier")
    await acked(b, MsgId.GROUP_INVITE, groupid=earlier, userid=ann)
    assert (await a.expect(MsgId.GROUP_EVENT))["event"] == "invited"
    await acked(a, MsgId.BLOCK, userid=bob)  # takes the invitation made before with it
    group = await new_group(b, "bobs")
    assert (await acked(b, MsgId.GROUP_INVITE, groupid=group, userid=ann))["groupid"] == group
    await a.quiet()
    assert (await acked(a, MsgId.INVITES))["invites"] == []


async def test_typing_and_receipts_skip_whoever_blocks_the_sender(users: Users) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    cat, c = await online(users, "cat")
    group = await new_group(a, "team")
    await join(b, group)
    await heard(a, ("joined", bob))
    await join(c, group)
    for member in (a, b):
        await heard(member, ("joined", cat))
    await acked(a, MsgId.BLOCK, userid=bob)
    await acked(b, MsgId.TYPING, peer=ann)
    await acked(b, MsgId.TYPING, groupid=group)
    assert (await c.expect(MsgId.TYPING))["from"]["id"] == bob  # cat blocks nobody
    mid = await chat(a, bob, "ann may still write to bob")
    assert (await b.expect(MsgId.ONE_CHAT))["mid"] == mid
    await acked(b, MsgId.READ, peer=ann, mid=mid)
    for client in (a, b, c):
        await client.quiet()


async def test_a_stranger_typing_reaches_only_a_user_who_takes_strangers_chats(
    users: Users,
) -> None:
    ann, a = await online(users, "ann")
    bob, b = await online(users, "bob")
    cat, c = await online(users, "cat")
    await make_friends(a, ann, c, cat)
    for setting in ("nobody", "requests"):
        await acked(a, MsgId.SETTINGS, strangers=setting)
        await acked(b, MsgId.TYPING, peer=ann)  # answered as ever: nothing tells bob
        await a.quiet()
        await acked(c, MsgId.TYPING, peer=ann)  # a friend's typing still arrives
        assert (await a.expect(MsgId.TYPING))["from"]["id"] == cat
    await acked(a, MsgId.SETTINGS, strangers="everyone")
    await acked(b, MsgId.TYPING, peer=ann)
    assert (await a.expect(MsgId.TYPING))["from"]["id"] == bob
