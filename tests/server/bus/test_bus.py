"""The Bus contract, on both buses: sessions per device, on one instance or several."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from chatapp.protocol import FriendEvent, Presence, UserRef
from chatapp.server.bus import DOORBELL, Attached, Echo, EndSession, MemoryBus
from tests.server.bus.kit import CHAT, Inbox, Listener

MakeBus = Callable[[], Any]


async def test_two_devices_on_one_instance_both_get_every_publish(make_bus: MakeBus) -> None:
    here, _ = await make_bus()
    there, _ = await make_bus()
    phone, laptop = Inbox(), Inbox()
    assert await here.attach(1, 1, phone) == Attached(True, True)
    assert await here.attach(1, 2, laptop) == Attached(True, False)
    assert await there.publish(1, CHAT)
    assert await here.publish(1, DOORBELL)
    for inbox in (phone, laptop):
        # The bell is handed over here at once, the chat once this instance has read it
        # from Redis: either may come first.
        assert {await inbox.get(), await inbox.get()} == {CHAT, DOORBELL}
        await inbox.quiet()


async def test_sessions_on_two_instances_each_get_a_publish_once(make_bus: MakeBus) -> None:
    a, _ = await make_bus()
    b, _ = await make_bus()
    c, _ = await make_bus()
    phone, laptop = Inbox(), Inbox()
    assert (await a.attach(1, 1, phone)).first
    assert not (await b.attach(1, 2, laptop)).first
    if not isinstance(a, MemoryBus):
        # A heard B's join and rang: from now on it publishes what it delivers here too.
        assert await laptop.get() == DOORBELL
    for bus in (a, b, c):
        assert await bus.publish(1, CHAT)
        assert await phone.get(bells=False) == CHAT
        assert await laptop.get(bells=False) == CHAT
    await phone.quiet(bells=False)
    await laptop.quiet(bells=False)


async def test_an_exclusive_session_is_refused_while_another_is_live(make_bus: MakeBus) -> None:
    a, _ = await make_bus()
    b, _ = await make_bus()
    inbox = Inbox()
    assert (await a.attach(1, 1, inbox)).claimed
    assert not (await b.attach(1, 2, Inbox(), exclusive=True)).claimed
    assert not (await a.attach(1, 3, Inbox(), exclusive=True)).claimed
    assert not (await a.attach(1, 1, Inbox(), exclusive=True)).claimed
    assert await b.online_devices(1) == {1}
    assert await a.detach(1, 1, inbox)
    assert await b.attach(1, 2, Inbox(), exclusive=True) == Attached(True, True)


async def test_no_session_joins_an_exclusive_one(make_bus: MakeBus) -> None:
    a, _ = await make_bus()
    b, _ = await make_bus()
    legacy = Inbox()
    assert await a.attach(2, 1, legacy, exclusive=True) == Attached(True, True)
    assert not (await b.attach(2, 2, Inbox())).claimed
    assert not (await a.attach(2, 2, Inbox())).claimed
    assert not (await b.attach(2, 3, Inbox(), exclusive=True)).claimed
    assert await a.online_devices(2) == {1}
    assert await a.detach(2, 1, legacy)  # the user went offline
    assert await b.attach(2, 2, Inbox()) == Attached(True, True)


async def test_concurrent_exclusive_attaches_admit_exactly_one(make_bus: MakeBus) -> None:
    a, _ = await make_bus()
    b, _ = await make_bus()
    tries = [bus.attach(7, n, Inbox(), exclusive=True) for n, bus in enumerate((a, b, a, b))]
    results = await asyncio.gather(*tries)
    assert sorted(r.claimed for r in results) == [False, False, False, True]
    # An exclusive and a plain session racing: never both.
    mixed = await asyncio.gather(a.attach(8, 1, Inbox(), exclusive=True), b.attach(8, 2, Inbox()))
    assert sorted(r.claimed for r in mixed) == [False, True]
    here = await asyncio.gather(a.attach(9, 2, Inbox()), a.attach(9, 1, Inbox(), exclusive=True))
    assert sorted(r.claimed for r in here) == [False, True]


async def test_first_and_last_across_instances(make_bus: MakeBus) -> None:
    a, _ = await make_bus()
    b, _ = await make_bus()
    phone, laptop = Inbox(), Inbox()
    assert await a.attach(1, 1, phone) == Attached(True, True)
    assert await b.attach(1, 2, laptop) == Attached(True, False)
    assert not await a.detach(1, 1, phone)  # the laptop is still on
    assert await a.online([1]) == {1}
    assert await b.detach(1, 2, laptop)  # the last one: the user went offline
    assert await a.online([1]) == set()
    racing = await asyncio.gather(a.attach(2, 1, Inbox()), b.attach(2, 2, Inbox()))
    assert sorted(r.first for r in racing) == [False, True]
    assert all(r.claimed for r in racing)


async def test_a_replaced_session_detaches_without_ending_the_new_one(
    make_bus: MakeBus,
) -> None:
    a, _ = await make_bus()
    b, _ = await make_bus()
    old, new, newest = Inbox(), Inbox(), Inbox()
    assert await a.attach(1, 5, old) == Attached(True, True)
    assert await a.attach(1, 5, new) == Attached(True, False)  # the same device, again, here
    assert not await a.detach(1, 5, old)
    assert await b.online_devices(1) == {5}
    assert await b.publish(1, CHAT)
    assert await new.get(bells=False) == CHAT
    await old.quiet()
    assert await b.attach(1, 5, newest) == Attached(True, False)  # and again, on another instance
    assert not await a.detach(1, 5, new)
    assert await a.online_devices(1) == {5}
    assert await a.publish(1, CHAT)
    assert await newest.get(bells=False) == CHAT
    await new.quiet(bells=False)
    assert await b.detach(1, 5, newest)


async def test_session_notices_reach_every_session_of_the_user(make_bus: MakeBus) -> None:
    a, _ = await make_bus()
    b, _ = await make_bus()
    phone, laptop = Inbox(), Inbox()
    await a.attach(1, 1, phone)
    await b.attach(1, 2, laptop)
    end = EndSession(2, "signed in on another device")
    echo = Echo(FriendEvent("accepted", UserRef(3, "cy"), "online"), 1)
    assert await a.publish_many([(1, end), (1, echo)]) == []
    for inbox in (phone, laptop):
        assert await inbox.get(bells=False) == end
        assert await inbox.get(bells=False) == echo


async def test_online_and_online_devices(make_bus: MakeBus) -> None:
    a, _ = await make_bus()
    b, _ = await make_bus()
    for user_id, device_id, bus in [(1, 1, a), (1, 2, a), (1, 3, b), (2, 5, b)]:
        assert (await bus.attach(user_id, device_id, Inbox())).claimed
    assert await a.online([1, 2, 3]) == {1, 2}
    assert await b.online([]) == set()
    assert await b.online_devices(1) == {1, 2, 3}
    assert await a.online_devices(2) == {5}
    assert await a.online_devices(3) == set()


async def test_publish_to_nobody_says_so(make_bus: MakeBus) -> None:
    bus, _ = await make_bus()
    inbox = Inbox()
    await bus.attach(3, 1, inbox)
    assert not await bus.publish(4, CHAT)
    assert await bus.publish_many([(3, CHAT), (4, CHAT), (5, CHAT)]) == [4, 5]
    assert await inbox.get() == CHAT


async def test_publish_many_reaches_users_on_several_instances(make_bus: MakeBus) -> None:
    a, _ = await make_bus()
    b, _ = await make_bus()
    inboxes = {uid: Inbox() for uid in range(10, 16)}
    for uid, inbox in inboxes.items():
        await (a if uid % 2 else b).attach(uid, 1, inbox)
    event = Presence(1, "ann", "online")
    assert await a.publish_many([(uid, event) for uid in [*inboxes, 99]]) == [99]
    for inbox in inboxes.values():
        assert await inbox.get() == event


async def test_memory_bus_has_no_other_instances() -> None:
    bus, listener, inbox = MemoryBus(), Listener(), Inbox()
    await bus.start(listener)
    assert (await bus.attach(1, 1, inbox)).claimed
    # Whoever is not attached here is offline: nothing is left for other instances.
    assert bus.publish_here([(1, CHAT), (2, CHAT)]) == []
    assert await inbox.get() == CHAT
    assert await bus.publish_elsewhere([(1, CHAT), (2, CHAT)]) == [1, 2]
    await inbox.quiet()
    await bus.group_changed(1)
    assert listener.groups.empty()  # nobody else to tell, and not itself
    await bus.close()
    assert await bus.online([1]) == set()
