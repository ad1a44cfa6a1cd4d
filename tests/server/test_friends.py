"""Friends with consent end to end: asking, accepting, declining, cancelling, unfriending;
FRIEND_EVENT told live; presence shared only between accepted friends."""

from __future__ import annotations

from chatapp.protocol import Errno, MsgId
from tests.server.conftest import Users
from tests.server.steps import (
    acked,
    befriend,
    friend_event,
    logout,
    make_friends,
    online,
    refused,
    relogin,
    walk,
)
from tests.wire import WireClient


async def answer(client: WireClient, requester: int, accept: bool) -> dict[str, object]:
    return await acked(client, MsgId.FRIEND_ANSWER, **{"from": requester, "accept": accept})


async def test_a_request_waits_for_consent_and_tells_the_target(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    ack = await acked(a, MsgId.FRIEND_REQUEST, to=bob)
    assert ack == {
        "msgid": MsgId.ACK,
        "re": MsgId.FRIEND_REQUEST,
        "errno": 0,
        "user": {"id": bob, "name": "bob"},
        "state": "requested",
        "rid": ack["rid"],
    }
    notice = await b.expect(MsgId.FRIEND_EVENT)
    assert notice == {
        "msgid": MsgId.FRIEND_EVENT,
        "event": "request",
        "user": {"id": alice, "name": "alice"},
    }
    assert await walk(a, MsgId.FRIENDS) == await walk(b, MsgId.FRIENDS) == []
    await a.quiet()
    await b.quiet()


async def test_asking_again_is_harmless_and_tells_nobody_twice(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    first = await acked(a, MsgId.FRIEND_REQUEST, to=bob)
    await friend_event(b, "request", alice)
    again = await acked(a, MsgId.FRIEND_REQUEST, to=bob)
    assert {**again, "rid": 0} == {**first, "rid": 0}
    await b.quiet()


async def test_asking_who_asked_you_makes_friends(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    await acked(a, MsgId.FRIEND_REQUEST, to=bob)
    await friend_event(b, "request", alice)
    ack = await acked(b, MsgId.FRIEND_REQUEST, to=alice)
    assert (ack["state"], ack["user"]) == ("friends", {"id": alice, "name": "alice"})
    assert ack["friend"] == {"id": alice, "name": "alice", "state": "online"}
    notice = await friend_event(a, "accepted", bob)
    assert notice["state"] == "online"
    assert [f["id"] for f in await walk(a, MsgId.FRIENDS)] == [bob]


async def test_requests_that_cannot_be_are_refused(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    for target in (999_999, 0, -1):
        await refused(a, MsgId.FRIEND_REQUEST, Errno.NO_SUCH_USER, to=target)
    await refused(a, MsgId.FRIEND_REQUEST, Errno.SELF_FRIEND, to=alice)
    await refused(a, MsgId.FRIEND_REQUEST, Errno.BAD_FIELD)
    await refused(a, MsgId.FRIEND_REQUEST, Errno.BAD_FIELD, to="bob")
    await make_friends(a, alice, b, bob)
    await refused(a, MsgId.FRIEND_REQUEST, Errno.ALREADY_FRIENDS, to=bob)
    await refused(b, MsgId.FRIEND_REQUEST, Errno.ALREADY_FRIENDS, to=alice)
    await refused(b, MsgId.ADD_FRIEND, Errno.ALREADY_FRIENDS, friendid=alice)
    await b.quiet()


async def test_accepting_makes_friends_with_presence_both_ways(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    await acked(a, MsgId.FRIEND_REQUEST, to=bob)
    await friend_event(b, "request", alice)
    ack = await answer(b, alice, True)
    assert (ack["state"], ack["user"]) == ("friends", {"id": alice, "name": "alice"})
    assert ack["friend"] == {"id": alice, "name": "alice", "state": "online"}
    notice = await a.expect(MsgId.FRIEND_EVENT)
    assert notice == {
        "msgid": MsgId.FRIEND_EVENT,
        "event": "accepted",
        "user": {"id": bob, "name": "bob"},
        "state": "online",
    }
    assert await walk(a, MsgId.FRIENDS) == [{"id": bob, "name": "bob", "state": "online"}]
    assert await walk(b, MsgId.FRIENDS) == [{"id": alice, "name": "alice", "state": "online"}]
    # Each session follows the new friendship: each hears the other go and come.
    b, _ = await relogin(users, b, bob)
    assert [(await a.expect(MsgId.PRESENCE))["state"] for _ in "12"] == ["offline", "online"]
    await logout(a)
    presence = await b.expect(MsgId.PRESENCE)
    assert (presence["id"], presence["state"]) == (alice, "offline")
    await refused(b, MsgId.FRIEND_ANSWER, Errno.NO_SUCH_REQUEST, **{"from": alice, "accept": True})


async def test_declining_tells_the_requester_and_makes_no_friends(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    await acked(a, MsgId.FRIEND_REQUEST, to=bob)
    await friend_event(b, "request", alice)
    ack = await answer(b, alice, False)
    assert ack["user"] == {"id": alice, "name": "alice"} and "state" not in ack
    notice = await friend_event(a, "declined", bob)
    assert "state" not in notice
    assert await walk(b, MsgId.REQUESTS, dir="in") == []
    assert await walk(a, MsgId.FRIENDS) == []
    await refused(b, MsgId.FRIEND_ANSWER, Errno.NO_SUCH_REQUEST, **{"from": alice, "accept": False})
    await logout(b)
    await a.quiet()  # no presence for a declined asker


async def test_only_the_asked_may_answer(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    _, c = await online(users, "carol")
    await acked(a, MsgId.FRIEND_REQUEST, to=bob)
    for client, requester in ((a, bob), (a, alice), (c, alice)):
        errno = Errno.NO_SUCH_REQUEST
        await refused(client, MsgId.FRIEND_ANSWER, errno, **{"from": requester, "accept": True})
    await refused(b, MsgId.FRIEND_ANSWER, Errno.BAD_FIELD, **{"from": alice})
    await refused(b, MsgId.FRIEND_ANSWER, Errno.BAD_FIELD, **{"from": alice, "accept": 1})
    assert [r["id"] for r in await walk(b, MsgId.REQUESTS, dir="in")] == [alice]


async def test_cancelling_withdraws_the_request_and_tells_the_target(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    await acked(a, MsgId.FRIEND_REQUEST, to=bob)
    await friend_event(b, "request", alice)
    await refused(b, MsgId.FRIEND_CANCEL, Errno.NO_SUCH_REQUEST, to=alice)
    ack = await acked(a, MsgId.FRIEND_CANCEL, to=bob)
    assert ack["user"] == {"id": bob, "name": "bob"}
    await friend_event(b, "cancelled", alice)
    assert await walk(b, MsgId.REQUESTS, dir="in") == []
    await refused(b, MsgId.FRIEND_ANSWER, Errno.NO_SUCH_REQUEST, **{"from": alice, "accept": True})
    await refused(a, MsgId.FRIEND_CANCEL, Errno.NO_SUCH_REQUEST, to=bob)
    await acked(a, MsgId.FRIEND_REQUEST, to=bob)  # and may ask again
    await friend_event(b, "request", alice)


async def test_unfriending_ends_presence_on_both_sides(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    await make_friends(a, alice, b, bob)
    ack = await acked(b, MsgId.UNFRIEND, friendid=alice)
    assert ack["user"] == {"id": alice, "name": "alice"}
    notice = await a.expect(MsgId.FRIEND_EVENT)
    assert notice == {
        "msgid": MsgId.FRIEND_EVENT,
        "event": "removed",
        "user": {"id": bob, "name": "bob"},
    }
    assert await walk(a, MsgId.FRIENDS) == await walk(b, MsgId.FRIENDS) == []
    b, ack = await relogin(users, b, bob)  # alice hears bob neither go nor come
    assert ack["friends"] == []
    await a.quiet()
    await logout(a)  # nor bob alice
    await b.quiet()
    await refused(b, MsgId.UNFRIEND, Errno.NOT_FRIENDS, friendid=alice)


async def test_unfriending_a_stranger_is_refused(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    await acked(a, MsgId.FRIEND_REQUEST, to=bob)
    for friendid in (bob, alice, 999_999):
        await refused(a, MsgId.UNFRIEND, Errno.NOT_FRIENDS, friendid=friendid)
    await refused(a, MsgId.UNFRIEND, Errno.BAD_FIELD)
    assert [r["id"] for r in await walk(b, MsgId.REQUESTS, dir="in")] == [alice]


async def test_no_presence_before_they_accept(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    await acked(a, MsgId.FRIEND_REQUEST, to=bob)
    await friend_event(b, "request", alice)
    b, ack = await relogin(users, b, bob)
    assert ack["friends"] == [] and ack["requests"] == {"in": 1, "out": 0}
    await a.quiet()
    a, ack = await relogin(users, a, alice)
    assert ack["friends"] == [] and ack["requests"] == {"in": 0, "out": 1}
    await b.quiet()


async def test_friends_made_while_online_hear_each_other_leave(users: Users) -> None:
    """Bob accepted alice, carol was accepted by alice: both hear her go, she hears both."""
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    carol, c = await online(users, "carol")
    await make_friends(a, alice, b, bob)
    await make_friends(c, carol, a, alice)
    await logout(a)
    for friend in (b, c):
        presence = await friend.expect(MsgId.PRESENCE)
        assert (presence["id"], presence["state"]) == (alice, "offline")
    a, _ = await users.login(alice)
    for friend in (b, c):
        assert (await friend.expect(MsgId.PRESENCE))["state"] == "online"
    for friend_id, friend in ((bob, b), (carol, c)):
        await logout(friend)
        presence = await a.expect(MsgId.PRESENCE)
        assert (presence["id"], presence["state"]) == (friend_id, "offline")
    await a.quiet()


async def test_presence_reaches_only_friends(users: Users) -> None:
    alice, a = await online(users, "alice")
    _, stranger = await online(users, "stranger")
    bob, b = await online(users, "bob")
    await make_friends(a, alice, b, bob)
    await logout(b)
    await stranger.quiet()
    assert (await a.expect(MsgId.PRESENCE))["state"] == "offline"


async def test_add_friend_asks_and_its_ack_still_carries_the_friend(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    ack = await acked(a, MsgId.ADD_FRIEND, friendid=bob)
    assert ack == {
        "msgid": MsgId.ACK,
        "re": MsgId.ADD_FRIEND,
        "errno": 0,
        "friend": {"id": bob, "name": "bob", "state": "offline"},  # no presence yet
        "user": {"id": bob, "name": "bob"},
        "state": "requested",
        "rid": ack["rid"],
    }
    await friend_event(b, "request", alice)
    assert await befriend(b, alice) == {"id": alice, "name": "alice", "state": "online"}
    assert (await friend_event(a, "accepted", bob))["state"] == "online"
    await refused(a, MsgId.ADD_FRIEND, Errno.NO_SUCH_USER, friendid=999_999)
    await refused(a, MsgId.ADD_FRIEND, Errno.SELF_FRIEND, friendid=alice)
