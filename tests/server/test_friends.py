"""Friends end to end: adding one, the rules against bad adds, FRIEND_ADDED and presence."""

from __future__ import annotations

from chatapp.protocol import Errno, MsgId
from tests.server.conftest import Users
from tests.server.steps import acked, befriend, logout, online, refused
from tests.wire import WireClient


async def test_add_friend_acks_with_the_friend_and_their_presence(users: Users) -> None:
    _, a = await online(users, "alice")
    bob, _ = await online(users, "bob")
    carol = await users.register("carol")
    ack = await acked(a, MsgId.ADD_FRIEND, friendid=bob)
    assert ack == {
        "msgid": MsgId.ACK,
        "re": MsgId.ADD_FRIEND,
        "errno": 0,
        "friend": {"id": bob, "name": "bob", "state": "online"},
        "rid": ack["rid"],
    }
    assert await befriend(a, carol) == {"id": carol, "name": "carol", "state": "offline"}
    await a.quiet()


async def test_add_friend_refuses_an_unknown_user(users: Users) -> None:
    _, a = await online(users, "alice")
    for friendid in (999_999, 0, -1):
        await refused(a, MsgId.ADD_FRIEND, Errno.NO_SUCH_USER, friendid=friendid)
    _, ack = await users.login(await users.register("bob"))
    assert ack["friends"] == []


async def test_add_friend_refuses_yourself(users: Users) -> None:
    alice, a = await online(users, "alice")
    await refused(a, MsgId.ADD_FRIEND, Errno.SELF_FRIEND, friendid=alice)
    await logout(a)
    await a.close()
    _, ack = await users.login(alice)
    assert ack["friends"] == []


async def test_add_friend_refuses_a_duplicate_in_either_direction(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    await befriend(a, bob)
    await b.expect(MsgId.FRIEND_ADDED)
    await refused(a, MsgId.ADD_FRIEND, Errno.ALREADY_FRIENDS, friendid=bob)
    await refused(b, MsgId.ADD_FRIEND, Errno.ALREADY_FRIENDS, friendid=alice)
    await logout(a)
    await a.close()
    _, ack = await users.login(alice)
    assert ack["friends"] == [{"id": bob, "name": "bob", "state": "online"}]


async def test_friendship_is_mutual_at_the_next_login(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob = await users.register("bob")
    await befriend(a, bob)
    _, bob_ack = await users.login(bob)
    assert bob_ack["friends"] == [{"id": alice, "name": "alice", "state": "online"}]
    assert (await a.expect(MsgId.PRESENCE))["id"] == bob
    await logout(a)
    await a.close()
    _, alice_ack = await users.login(alice)
    assert alice_ack["friends"] == [{"id": bob, "name": "bob", "state": "online"}]


async def test_an_online_v2_friend_is_told_with_friend_added(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    await befriend(a, bob)
    notice = await b.expect(MsgId.FRIEND_ADDED)
    assert notice == {"msgid": MsgId.FRIEND_ADDED, "id": alice, "name": "alice", "state": "online"}
    await b.quiet()
    await a.quiet()


async def test_an_online_legacy_friend_is_not_told(users: Users) -> None:
    _, a = await online(users, "alice")
    bob, b = await online(users, "bob", legacy=True)
    await befriend(a, bob)
    await b.quiet()


async def test_a_v2_friend_hears_presence_online_and_offline(users: Users) -> None:
    _alice, a = await online(users, "alice")
    bob = await users.register("bob")
    await befriend(a, bob)
    b, _ = await users.login(bob)
    assert await a.expect(MsgId.PRESENCE) == {
        "msgid": MsgId.PRESENCE,
        "id": bob,
        "name": "bob",
        "state": "online",
    }
    await logout(b)
    assert await a.expect(MsgId.PRESENCE) == {
        "msgid": MsgId.PRESENCE,
        "id": bob,
        "name": "bob",
        "state": "offline",
    }
    await a.quiet()


async def befriended_trio(users: Users) -> tuple[list[int], list[WireClient]]:
    """alice adds bob and carol adds alice, all online (v2), the notices consumed."""
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    carol, c = await online(users, "carol")
    await befriend(a, bob)
    await befriend(c, alice)
    assert (await b.expect(MsgId.FRIEND_ADDED))["id"] == alice
    assert (await a.expect(MsgId.FRIEND_ADDED))["id"] == carol
    return [alice, bob, carol], [a, b, c]


async def test_friends_made_during_the_session_hear_the_user_leave(users: Users) -> None:
    """Bob, told by FRIEND_ADDED, and carol, who added alice, both hear her go."""
    (alice, _, _), (a, b, c) = await befriended_trio(users)
    await logout(a)
    for friend in (b, c):
        presence = await friend.expect(MsgId.PRESENCE)
        assert (presence["id"], presence["state"]) == (alice, "offline")
        await friend.quiet()


async def test_the_user_hears_friends_made_during_the_session_leave(users: Users) -> None:
    """Alice hears bob, whom she added, and carol, who added her, go."""
    (_, bob, carol), (a, b, c) = await befriended_trio(users)
    for friend_id, friend in ((bob, b), (carol, c)):
        await logout(friend)
        presence = await a.expect(MsgId.PRESENCE)
        assert (presence["id"], presence["state"]) == (friend_id, "offline")
    await a.quiet()


async def test_legacy_friends_hear_no_presence(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob", legacy=True)
    await befriend(a, bob)
    await logout(a)
    await users.login(alice)
    await b.quiet()


async def test_presence_reaches_only_friends(users: Users) -> None:
    _alice, a = await online(users, "alice")
    _, stranger = await online(users, "stranger")
    bob = await users.register("bob")
    await befriend(a, bob)
    b, _ = await users.login(bob)
    await logout(b)
    await stranger.quiet()
    assert (await a.expect(MsgId.PRESENCE))["state"] == "online"
    assert (await a.expect(MsgId.PRESENCE))["state"] == "offline"
