"""What only the buses on Redis must do (one Redis, a Redis Cluster): instances that tell
each other, leases, shared users."""

from __future__ import annotations

import asyncio

from chatapp.protocol import Presence
from chatapp.server.bus import DOORBELL, Attached
from tests.server.bus.kit import CHAT, Inbox, Listener, get, kill, started


async def test_group_changes_reach_the_other_instances(redis_bus_url: str) -> None:
    heard = Listener()
    a, b = await started(redis_bus_url), await started(redis_bus_url, heard)
    await a.group_changed(12)
    assert await get(heard.groups) == 12
    await a.close()
    await b.close()


async def test_changes_of_a_users_ties_reach_the_other_instances(redis_bus_url: str) -> None:
    heard = Listener()
    a, b = await started(redis_bus_url), await started(redis_bus_url, heard)
    await a.ties_changed(41)
    await a.group_changed(3)
    assert await get(heard.ties) == 41
    assert await get(heard.groups) == 3  # each kind of change to its own listener method
    assert heard.ties.empty()
    await a.close()
    await b.close()


async def test_instances_hold_distinct_node_numbers(redis_bus_url: str) -> None:
    buses = [await started(redis_bus_url) for _ in range(3)]
    assert sorted(bus.node for bus in buses) == [0, 1, 2]
    await buses[1].close()  # a node number is free again once its instance stops
    again = await started(redis_bus_url)
    assert again.node == 1
    for bus in (buses[0], buses[2], again):
        await bus.close()


async def test_a_delivery_for_a_user_who_just_left_is_dropped(redis_bus_url: str) -> None:
    a, b = await started(redis_bus_url), await started(redis_bus_url)
    await a.attach(5, 1, Inbox())
    inbox = Inbox()
    await a.attach(6, 1, inbox)
    # The user leaves this instance while a publish is already on its way: the chat is in
    # the message log, so the bus drops it and goes on serving everyone else.
    a._local.users.pop(5)
    assert await b.publish(5, CHAT)
    assert await b.publish(6, CHAT)
    assert await inbox.get() == CHAT
    await a.close()
    await b.close()


async def test_a_dead_instances_sessions_stop_counting_when_its_lease_runs_out(
    redis_bus_url: str,
) -> None:
    url = redis_bus_url.replace("lease=2", "lease=0.5")
    dead, alive = await started(url), await started(url)
    assert (await dead.attach(8, 1, Inbox())).claimed
    assert (await dead.attach(9, 1, Inbox())).claimed
    assert (await alive.attach(9, 2, Inbox())).claimed
    await kill(dead)
    assert not (await alive.attach(8, 3, Inbox(), exclusive=True)).claimed
    assert await alive.online_devices(9) == {1, 2}
    async with asyncio.timeout(5):
        while await alive.online([8]):
            await asyncio.sleep(0.05)  # waiting out the lease is the point of this test
    assert await alive.online_devices(9) == {2}
    assert await alive.online_devices(8) == set()
    assert await alive.attach(8, 3, Inbox(), exclusive=True) == Attached(True, True)
    assert not await alive.publish(10, CHAT)
    await alive.close()


async def test_a_join_is_answered_by_the_doorbell(redis_bus_url: str) -> None:
    a, b = await started(redis_bus_url), await started(redis_bus_url)
    phone, laptop = Inbox(), Inbox()
    await a.attach(1, 1, phone)
    assert 1 not in a._shared  # held here only: chats to it stay here
    await b.attach(1, 2, laptop)
    # B told A; A rings the laptop's bell, so that it reads what A delivered only to the
    # phone before it heard. A hears neither B's join nor its own bell.
    assert await laptop.get() == DOORBELL
    await phone.quiet()
    assert a._shared == {1} and b._shared == {1}
    await b.detach(1, 2, laptop)
    assert b._shared == set()
    assert a._shared == {1}  # a publish too many costs little; a missed chat would not
    await a.close()
    await b.close()


async def test_publish_here_and_elsewhere_split_the_work(redis_bus_url: str) -> None:
    a, b = await started(redis_bus_url), await started(redis_bus_url)
    only_a, only_b, both_a, both_b = Inbox(), Inbox(), Inbox(), Inbox()
    await a.attach(1, 1, only_a)
    await b.attach(2, 1, only_b)
    await a.attach(3, 1, both_a)
    await b.attach(3, 2, both_b)
    assert await both_b.get() == DOORBELL  # the join answered
    event = Presence(9, "zoe", "online")
    items = [(1, event), (2, event), (3, event), (4, event)]
    rest = a.publish_here(items)
    assert rest == [(2, event), (3, event), (4, event)]
    assert await only_a.get() == event
    assert await both_a.get() == event
    assert await a.publish_elsewhere(rest) == [4]
    assert await only_b.get() == event
    assert await both_b.get() == event
    # Nobody elsewhere holds user 1: A's own subscription does not count.
    assert await a.publish_elsewhere([(1, event)]) == [1]
    for inbox in (only_a, only_b, both_a, both_b):
        await inbox.quiet()
    await a.close()
    await b.close()


async def test_close_ends_every_session_of_the_instance(redis_bus_url: str) -> None:
    a, b = await started(redis_bus_url), await started(redis_bus_url)
    await a.attach(1, 1, Inbox())
    await a.attach(1, 2, Inbox())
    await b.attach(1, 3, Inbox())
    await a.close()
    assert await b.online_devices(1) == {3}
    await b.close()
