"""The Storage contract of friend requests, run against every backend."""

from __future__ import annotations

import asyncio

import pytest

from chatapp.server.storage import (
    FRIENDS,
    REQUESTED,
    AlreadyExists,
    Contact,
    FriendRequest,
    NoSuchRequest,
    NoSuchUser,
    NotFriends,
    RequestCounts,
    RequestOutcome,
    Storage,
    TooManyRequests,
)
from tests.server.storage.test_contract import ALL, T0, friends_of, make_users

MOST = 50


async def ask(storage: Storage, user_id: int, target_id: int, now_ms: int = T0) -> RequestOutcome:
    return await storage.request_friend(user_id, target_id, now_ms, most=MOST)


async def test_a_request_waits_for_its_target_and_makes_no_friends(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    assert await ask(storage, a.id, b.id) == RequestOutcome(REQUESTED, Contact(b.id, "b"))
    assert await storage.requests_out(a.id, None, ALL) == [FriendRequest(b.id, "b", T0)]
    assert await storage.requests_in(b.id, None, ALL) == [FriendRequest(a.id, "a", T0)]
    assert await storage.requests_in(a.id, None, ALL) == []
    assert await storage.request_counts(b.id) == RequestCounts(incoming=1, outgoing=0)
    assert await storage.request_counts(a.id) == RequestCounts(incoming=0, outgoing=1)
    assert await friends_of(storage, a.id) == await friends_of(storage, b.id) == []
    assert await storage.friend_ids(a.id) == []


async def test_asking_again_changes_nothing(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    await ask(storage, a.id, b.id)
    again = await ask(storage, a.id, b.id, T0 + 5)
    assert again == RequestOutcome(REQUESTED, Contact(b.id, "b"), new=False)
    assert await storage.requests_in(b.id, None, ALL) == [FriendRequest(a.id, "a", T0)]


async def test_asking_who_asked_you_makes_friends_at_once(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    await ask(storage, a.id, b.id)
    assert await ask(storage, b.id, a.id) == RequestOutcome(FRIENDS, Contact(a.id, "a"))
    assert await friends_of(storage, a.id) == [Contact(b.id, "b")]
    assert await friends_of(storage, b.id) == [Contact(a.id, "a")]
    for user in (a, b):
        assert await storage.request_counts(user.id) == RequestCounts(0, 0)
    with pytest.raises(AlreadyExists):
        await ask(storage, a.id, b.id)
    with pytest.raises(AlreadyExists):
        await ask(storage, b.id, a.id)


async def test_asking_each_other_at_once_makes_friends(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    outcomes = await asyncio.gather(ask(storage, a.id, b.id), ask(storage, b.id, a.id))
    assert sorted(o.state for o in outcomes) == [FRIENDS, REQUESTED]
    assert await storage.friend_ids(a.id) == [b.id]
    assert await storage.request_counts(a.id) == RequestCounts(0, 0)


async def test_asking_an_unknown_user_raises(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    with pytest.raises(NoSuchUser):
        await ask(storage, a.id, a.id + 1000)
    with pytest.raises(NoSuchUser):
        await ask(storage, a.id + 1000, a.id)
    with pytest.raises(NoSuchUser):
        await ask(storage, a.id, a.id)
    assert await storage.request_counts(a.id) == RequestCounts(0, 0)


async def test_accepting_makes_mutual_friends(storage: Storage) -> None:
    a, b, c = await make_users(storage, "a", "b", "c")
    await ask(storage, a.id, b.id)
    await ask(storage, c.id, b.id)
    assert await storage.answer_request(b.id, a.id, True) == Contact(a.id, "a")
    assert await storage.friend_ids(a.id) == [b.id]
    assert await storage.friend_ids(b.id) == [a.id]
    assert await storage.requests_in(b.id, None, ALL) == [FriendRequest(c.id, "c", T0)]
    with pytest.raises(NoSuchRequest):
        await storage.answer_request(b.id, a.id, True)


async def test_declining_forgets_the_request_and_makes_no_friends(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    await ask(storage, a.id, b.id)
    assert await storage.answer_request(b.id, a.id, False) == Contact(a.id, "a")
    assert await storage.friend_ids(b.id) == []
    assert await storage.request_counts(a.id) == RequestCounts(0, 0)
    assert (await ask(storage, a.id, b.id)).new  # may ask again


async def test_only_the_target_answers_a_request(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    await ask(storage, a.id, b.id)
    for user_id, requester_id in ((a.id, b.id), (a.id, a.id), (b.id, b.id + 1000)):
        with pytest.raises(NoSuchRequest):
            await storage.answer_request(user_id, requester_id, True)
    assert await storage.friend_ids(a.id) == []
    assert await storage.request_counts(b.id) == RequestCounts(1, 0)


async def test_cancelling_withdraws_only_the_users_own_request(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    await ask(storage, a.id, b.id)
    with pytest.raises(NoSuchRequest):
        await storage.cancel_request(b.id, a.id)
    assert await storage.cancel_request(a.id, b.id) == Contact(b.id, "b")
    assert await storage.requests_in(b.id, None, ALL) == []
    with pytest.raises(NoSuchRequest):
        await storage.cancel_request(a.id, b.id)
    with pytest.raises(NoSuchRequest):
        await storage.cancel_request(a.id, b.id + 1000)


async def test_removing_a_friendship_ends_it_for_both(storage: Storage) -> None:
    a, b, c = await make_users(storage, "a", "b", "c")
    await storage.add_friendship(a.id, b.id)  # a friendship from before requests
    await storage.add_friendship(a.id, c.id)
    assert await storage.remove_friendship(b.id, a.id) == Contact(a.id, "a")
    assert await storage.friend_ids(a.id) == [c.id]
    assert await storage.friend_ids(b.id) == []
    for user_id, friend_id in ((a.id, b.id), (b.id, c.id), (a.id, a.id + 1000)):
        with pytest.raises(NotFriends):
            await storage.remove_friendship(user_id, friend_id)
    assert (await ask(storage, b.id, a.id)).state == REQUESTED  # strangers again


async def test_outgoing_requests_are_bounded_and_incoming_are_not(storage: Storage) -> None:
    me, *others = await make_users(storage, "me", *(f"u{n}" for n in range(4)))
    for other in others[:3]:
        await storage.request_friend(me.id, other.id, T0, most=3)
    with pytest.raises(TooManyRequests):
        await storage.request_friend(me.id, others[3].id, T0, most=3)
    assert (await storage.request_friend(me.id, others[0].id, T0, most=3)).new is False
    assert await storage.request_counts(me.id) == RequestCounts(0, 3)
    await storage.request_friend(others[3].id, me.id, T0, most=3)  # they may ask me
    assert (await storage.request_friend(me.id, others[3].id, T0, most=3)).state == FRIENDS
    await storage.cancel_request(me.id, others[0].id)
    await storage.request_friend(me.id, others[0].id, T0, most=3)


async def test_request_pages_follow_the_other_users_id(storage: Storage) -> None:
    me, *others = await make_users(storage, "me", *(f"u{n}" for n in range(5)))
    for n, other in enumerate(reversed(others)):
        await ask(storage, other.id, me.id, T0 + n)
    first = await storage.requests_in(me.id, None, 2)
    assert [r.id for r in first] == [others[0].id, others[1].id]
    rest = await storage.requests_in(me.id, first[-1].id, ALL)
    assert [r.id for r in rest] == [o.id for o in others[2:]]
    assert rest[-1] == FriendRequest(others[-1].id, others[-1].name, T0)
    assert await storage.requests_out(me.id, None, ALL) == []


async def test_cancel_requests_between_forgets_both_ways(storage: Storage) -> None:
    a, b, c = await make_users(storage, "a", "b", "c")
    await ask(storage, a.id, b.id)
    await ask(storage, c.id, b.id)
    assert await storage.cancel_requests_between(b.id, a.id) == 1
    assert await storage.cancel_requests_between(a.id, b.id) == 0
    assert await storage.requests_in(b.id, None, ALL) == [FriendRequest(c.id, "c", T0)]
    await ask(storage, b.id, c.id)  # accepted: friends, no request left
    assert await storage.cancel_requests_between(b.id, c.id) == 0
    assert await storage.friend_ids(b.id) == [c.id]
