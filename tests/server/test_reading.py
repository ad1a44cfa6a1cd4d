"""READ, RECEIPT and TYPING over real sockets, on both backends: markers kept and never
moved back, unread counts moving with them, receipts (or none), typing only live."""

from __future__ import annotations

from typing import Any

import pytest

from chatapp.protocol import Errno, MsgId
from tests.server.conftest import Users
from tests.server.steps import (
    Obj,
    acked,
    chat,
    group_chat,
    heard,
    join,
    new_group,
    online,
    refused,
)
from tests.wire import WireClient

FEW_TYPINGS = {"typing_rate": 0.001, "typing_burst": 2}


async def unread(client: WireClient) -> dict[int, int]:
    """Each conversation's unread count, by the peer's or the group's id."""
    page = await acked(client, MsgId.CONVERSATIONS)
    return {(c.get("peer") or c["group"])["id"]: c["unread"] for c in page["conversations"]}


async def chats_to(client: WireClient, count: int) -> list[Obj]:
    """The next `count` chats pushed to `client`."""
    return [await client.expect(MsgId.ONE_CHAT) for _ in range(count)]


async def test_read_moves_the_marker_forward_only_and_the_unread_count(users: Users) -> None:
    ann, client = await online(users, "ann")
    bob, bob_client = await online(users, "bob")
    mids = [await chat(bob_client, ann, f"m{n}") for n in range(3)]
    await chats_to(client, 3)
    assert await unread(client) == {bob: 3}
    assert (await acked(client, MsgId.READ, peer=bob, mid=mids[1]))["mid"] == mids[1]
    assert (await bob_client.expect(MsgId.RECEIPT)) == {
        "msgid": MsgId.RECEIPT, "peer": ann, "mid": mids[1],
    }  # fmt: skip
    assert await unread(client) == {bob: 1}
    assert (await acked(client, MsgId.READ, peer=bob, mid=mids[0]))["mid"] == mids[1]
    await bob_client.quiet()  # a marker that did not move tells nobody
    await client.quiet()  # and the reader's own connection hears no echo
    page = await acked(client, MsgId.CONVERSATIONS)
    assert page["conversations"][0]["read"] == mids[1]
    await acked(client, MsgId.READ, peer=bob, mid=mids[2])
    assert (await bob_client.expect(MsgId.RECEIPT))["mid"] == mids[2]
    assert await unread(client) == {bob: 0}


async def test_receipts_off_keeps_the_marker_but_tells_nobody(users: Users) -> None:
    ann, client = await online(users, "ann")
    bob, bob_client = await online(users, "bob")
    await acked(client, MsgId.SETTINGS, receipts=False)
    mid = await chat(bob_client, ann, "read me")
    await client.expect(MsgId.ONE_CHAT)
    assert (await acked(client, MsgId.READ, peer=bob, mid=mid))["mid"] == mid
    await bob_client.quiet()
    assert await unread(client) == {bob: 0}


async def test_a_group_receipt_counts_readers_to_the_sender(users: Users) -> None:
    _, client = await online(users, "ann")
    bob_id, bob = await online(users, "bob")
    cat_id, cat = await online(users, "cat")
    groupid = await new_group(client, "club")
    await join(bob, groupid)
    await heard(client, ("joined", bob_id))
    await join(cat, groupid)
    for member in (client, bob):
        await heard(member, ("joined", cat_id))
    mid = await group_chat(client, groupid, "who reads this?")
    for reader in (bob, cat):
        await reader.expect(MsgId.GROUP_CHAT)
    await acked(bob, MsgId.READ, groupid=groupid, mid=mid)
    expected = {"msgid": MsgId.RECEIPT, "groupid": groupid, "mid": mid, "count": 1}
    assert await client.expect(MsgId.RECEIPT) == expected
    await acked(cat, MsgId.READ, groupid=groupid, mid=mid)
    assert await client.expect(MsgId.RECEIPT) == {**expected, "count": 2}
    await acked(client, MsgId.READ, groupid=groupid, mid=mid)  # one's own: no receipt
    for member in (client, bob, cat):
        await member.quiet()


async def test_read_refuses_what_is_not_the_users_conversation(users: Users) -> None:
    ann, client = await online(users, "ann")
    bob, bob_client = await online(users, "bob")
    cat, cat_client = await online(users, "cat")
    theirs = await chat(bob_client, cat, "between bob and cat")
    await cat_client.expect(MsgId.ONE_CHAT)
    groupid = await new_group(cat_client, "club")
    in_group = await group_chat(cat_client, groupid, "members only")
    bad = Errno.INVALID_ARGUMENT
    await refused(client, MsgId.READ, bad, peer=bob, mid=theirs)
    await refused(client, MsgId.READ, bad, peer=cat, mid=theirs)
    await refused(client, MsgId.READ, bad, peer=bob, mid=10**15)
    await refused(client, MsgId.READ, Errno.NOT_A_MEMBER, groupid=groupid, mid=in_group)
    await refused(client, MsgId.READ, Errno.NO_SUCH_GROUP, groupid=10**6, mid=in_group)
    await refused(client, MsgId.READ, Errno.NO_SUCH_USER, peer=10**6, mid=theirs)
    await refused(client, MsgId.READ, Errno.BAD_FIELD, mid=theirs)
    await refused(client, MsgId.READ, Errno.BAD_FIELD, peer=bob, groupid=groupid, mid=theirs)
    await refused(cat_client, MsgId.READ, bad, groupid=groupid, mid=theirs)
    for other in (bob_client, cat_client):
        await other.quiet()
    assert ann not in await unread(client)


async def test_typing_reaches_the_peer_and_online_members_live(users: Users) -> None:
    ann, client = await online(users, "ann")
    bob, bob_client = await online(users, "bob")
    cat, cat_client = await online(users, "cat")
    await acked(client, MsgId.TYPING, peer=bob)
    notice = {"msgid": MsgId.TYPING, "from": {"id": ann, "name": "ann"}}
    assert await bob_client.expect(MsgId.TYPING) == {**notice, "peer": ann}
    groupid = await new_group(client, "club")
    await join(bob_client, groupid)
    await heard(client, ("joined", bob))
    await join(cat_client, groupid)
    for member in (client, bob_client):
        await heard(member, ("joined", cat))
    await acked(client, MsgId.TYPING, groupid=groupid)
    for member in (bob_client, cat_client):
        assert await member.expect(MsgId.TYPING) == {**notice, "groupid": groupid}
    for anyone in (client, bob_client, cat_client):
        await anyone.quiet()


async def test_typing_is_never_kept_for_an_offline_user(users: Users) -> None:
    _, client = await online(users, "ann")
    bob = await users.register("bob")
    await acked(client, MsgId.TYPING, peer=bob)
    bob_client, ack = await users.login(bob)
    assert ack["offlinemsg"] == []
    await bob_client.quiet()


async def test_typing_only_where_the_user_may_write(users: Users) -> None:
    ann, client = await online(users, "ann")
    _, cat_client = await online(users, "cat")
    groupid = await new_group(cat_client, "club")
    await refused(client, MsgId.TYPING, Errno.NOT_A_MEMBER, groupid=groupid)
    await refused(client, MsgId.TYPING, Errno.NO_SUCH_GROUP, groupid=10**6)
    await refused(client, MsgId.TYPING, Errno.NO_SUCH_USER, peer=10**6)
    await refused(client, MsgId.TYPING, Errno.INVALID_ARGUMENT, peer=ann)
    await refused(client, MsgId.TYPING, Errno.BAD_FIELD)
    await cat_client.quiet()


@pytest.mark.parametrize("server_options", [FEW_TYPINGS])
async def test_typing_beyond_the_rate_is_refused_and_not_sent(
    users: Users, server_options: dict[str, Any]
) -> None:
    _, client = await online(users, "ann")
    bob, bob_client = await online(users, "bob")
    for _ in range(2):
        await acked(client, MsgId.TYPING, peer=bob)
        await bob_client.expect(MsgId.TYPING)
    await refused(client, MsgId.TYPING, Errno.RATE_LIMITED, peer=bob)
    await bob_client.quiet()
    await acked(client, MsgId.ONE_CHAT, toid=bob, msg="the connection still works")


async def test_legacy_clients_hear_no_receipts_nor_typing(users: Users) -> None:
    ann, legacy = await online(users, "ann", legacy=True)
    bob, bob_client = await online(users, "bob")
    await legacy.send(msgid=MsgId.ONE_CHAT, id=ann, toid=bob, msg="from the console")
    mid = (await bob_client.expect(MsgId.ONE_CHAT))["mid"]
    await acked(bob_client, MsgId.READ, peer=ann, mid=mid)
    await acked(bob_client, MsgId.TYPING, peer=ann)
    await legacy.quiet()
