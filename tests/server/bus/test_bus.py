"""The Bus contract on both buses, and what only the Redis bus must survive."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from chatapp.protocol import (
    ChatMessage,
    FriendAdded,
    FriendEvent,
    FriendInfo,
    GroupMessage,
    HeldPreview,
    NewMessageRequest,
    Presence,
    SenderInfo,
    UserRef,
)
from chatapp.server.bus import (
    DOORBELL,
    Bus,
    BusUnavailable,
    Delivery,
    MemoryBus,
    TieCut,
    open_bus,
)
from chatapp.server.bus.envelope import pack, unpack
from chatapp.server.bus.redis import RedisBus
from tests.redis_service import PrivateRedis

CHAT = ChatMessage(1, "ann", 2, "hello 你好 😀", "2026-01-01 00:00:00", 42, 1767225600000)


class Listener:
    """Records what a bus tells its server."""

    def __init__(self) -> None:
        self.groups: asyncio.Queue[int] = asyncio.Queue()
        self.resumes: asyncio.Queue[list[int]] = asyncio.Queue()
        self.evictions: asyncio.Queue[list[int]] = asyncio.Queue()
        self.ties: asyncio.Queue[int] = asyncio.Queue()

    def ties_changed(self, user_id: int) -> None:
        self.ties.put_nowait(user_id)

    def group_changed(self, group_id: int) -> None:
        self.groups.put_nowait(group_id)

    def resumed(self, user_ids: list[int]) -> None:
        self.resumes.put_nowait(user_ids)

    def evicted(self, user_ids: list[int]) -> None:
        self.evictions.put_nowait(user_ids)


class Inbox:
    """A session stand-in: the deliveries made to one user."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Delivery] = asyncio.Queue()

    def __call__(self, delivery: Delivery) -> None:
        self.queue.put_nowait(delivery)

    async def get(self) -> Delivery:
        async with asyncio.timeout(5):
            return await self.queue.get()


async def get(queue: asyncio.Queue[Any]) -> Any:
    async with asyncio.timeout(10):
        return await queue.get()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def bus_url(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    return str(request.getfixturevalue("redis_url"))


@pytest.fixture
async def make_bus(bus_url: str) -> AsyncIterator[Callable[[], Any]]:
    """Opens buses on one URL: for Redis each is another instance of the cluster."""
    buses: list[Bus] = []
    shared = open_bus(bus_url) if bus_url == "memory://" else None

    async def start() -> tuple[Bus, Listener]:
        bus = shared or open_bus(bus_url)
        listener = Listener()
        if bus not in buses:
            await bus.start(listener)
            buses.append(bus)
        return bus, listener

    yield start
    for bus in buses:
        await bus.close()


async def test_attach_is_exclusive_and_detach_frees(make_bus: Callable[[], Any]) -> None:
    bus, _ = await make_bus()
    other, _ = await make_bus()
    assert await bus.attach(1, Inbox())
    assert not await bus.attach(1, Inbox())
    assert not await other.attach(1, Inbox())
    assert await bus.online([1, 2]) == {1}
    assert await other.online([1, 2]) == {1}
    await bus.detach(1)
    assert await other.online([1]) == set()
    assert await other.attach(1, Inbox())


async def test_concurrent_attaches_admit_exactly_one(make_bus: Callable[[], Any]) -> None:
    a, _ = await make_bus()
    b, _ = await make_bus()
    results = await asyncio.gather(*(bus.attach(7, Inbox()) for bus in (a, b, a, b)))
    assert sorted(results) == [False, False, False, True]


async def test_publish_reaches_the_attached_user_on_any_instance(
    make_bus: Callable[[], Any],
) -> None:
    here, _ = await make_bus()
    there, _ = await make_bus()
    inbox = Inbox()
    assert await here.attach(2, inbox)
    assert await there.publish(2, CHAT)
    assert await inbox.get() == CHAT
    assert await here.publish(2, DOORBELL)
    assert await inbox.get() == DOORBELL


async def test_publish_to_nobody_says_so(make_bus: Callable[[], Any]) -> None:
    bus, _ = await make_bus()
    inbox = Inbox()
    await bus.attach(3, inbox)
    assert not await bus.publish(4, CHAT)
    assert await bus.publish_many([(3, CHAT), (4, CHAT), (5, CHAT)]) == [4, 5]
    assert await inbox.get() == CHAT


async def test_publish_many_reaches_users_on_several_instances(
    make_bus: Callable[[], Any],
) -> None:
    a, _ = await make_bus()
    b, _ = await make_bus()
    inboxes = {uid: Inbox() for uid in range(10, 16)}
    for uid, inbox in inboxes.items():
        await (a if uid % 2 else b).attach(uid, inbox)
    event = Presence(1, "ann", "online")
    assert await a.publish_many([(uid, event) for uid in [*inboxes, 99]]) == [99]
    for inbox in inboxes.values():
        assert await inbox.get() == event


@pytest.mark.parametrize(
    "delivery",
    [
        CHAT,
        dataclasses.replace(CHAT, seq=7),
        GroupMessage(1, "ann", 3, "hi", "2026-01-01 00:00:00", 43, 1767225600000, 9),
        DOORBELL,
        Presence(1, "ann", "offline"),
        FriendAdded(FriendInfo(1, "ann", "online")),
        FriendEvent("accepted", UserRef(1, "ann"), "online"),
        FriendEvent("removed", UserRef(1, "ann")),
    ],
    ids=repr,
)
def test_deliveries_survive_the_envelope(delivery: Delivery) -> None:
    assert unpack(pack(delivery)) == delivery


def test_a_chat_travels_in_an_envelope_of_the_bus_not_in_the_wire_form() -> None:
    packed = pack(dataclasses.replace(CHAT, seq=7))
    assert packed.startswith(b"[") and b"msgid" not in packed
    with pytest.raises(ValueError):
        unpack(b'[9,1,2,3,"a",4,"x","t",5]')


@pytest.mark.redis
async def test_group_changes_reach_the_other_instances(redis_url: str) -> None:
    a, b = open_bus(redis_url), open_bus(redis_url)
    heard = Listener()
    await a.start(Listener())
    await b.start(heard)
    await a.group_changed(12)
    assert await get(heard.groups) == 12
    await a.close()
    await b.close()


def test_a_friendship_cut_by_a_block_crosses_in_an_envelope_of_its_own() -> None:
    cut = TieCut(7, "ann \u00e9")
    assert unpack(pack(cut)) == cut


def test_a_message_request_notice_crosses_as_a_notice() -> None:
    preview = HeldPreview(5, "hi", "2026-11-27 05:41:00", 1)
    notice = NewMessageRequest(SenderInfo(9, "zhao liu", 1, (preview,)))
    assert pack(notice).startswith(b"{")
    assert unpack(pack(notice)) == notice


@pytest.mark.redis
async def test_changes_of_a_users_ties_reach_the_other_instances(redis_url: str) -> None:
    a, b = open_bus(redis_url), open_bus(redis_url)
    heard = Listener()
    await a.start(Listener())
    await b.start(heard)
    await a.ties_changed(41)
    await a.group_changed(3)
    assert await get(heard.ties) == 41
    assert await get(heard.groups) == 3  # each kind of change to its own listener method
    assert heard.ties.empty()
    await a.close()
    await b.close()


@pytest.mark.redis
async def test_instances_hold_distinct_node_numbers(redis_url: str) -> None:
    buses = [RedisBus.from_url(redis_url) for _ in range(3)]
    for bus in buses:
        await bus.start(Listener())
    assert sorted(bus.node for bus in buses) == [0, 1, 2]
    await buses[1].close()  # a node number is free again once its instance stops
    again = RedisBus.from_url(redis_url)
    await again.start(Listener())
    assert again.node == 1
    for bus in (buses[0], buses[2], again):
        await bus.close()


@pytest.mark.redis
async def test_a_delivery_for_a_user_who_just_left_is_dropped(redis_url: str) -> None:
    a, b = RedisBus.from_url(redis_url), RedisBus.from_url(redis_url)
    await a.start(Listener())
    await b.start(Listener())
    await a.attach(5, Inbox())
    inbox = Inbox()
    await a.attach(6, inbox)
    # The user leaves this instance while a publish is already on its way: the chat is in
    # the message log, so the bus drops it and goes on serving everyone else.
    a._local.pop(5)
    assert await b.publish(5, CHAT)
    assert await b.publish(6, CHAT)
    assert await inbox.get() == CHAT
    await a.close()
    await b.close()


@pytest.mark.redis
async def test_a_dead_instance_frees_its_users_when_its_lease_runs_out(redis_url: str) -> None:
    url = redis_url.replace("lease=2", "lease=0.5")
    dead, alive = RedisBus.from_url(url), RedisBus.from_url(url)
    await dead.start(Listener())
    await alive.start(Listener())
    assert await dead.attach(8, Inbox())
    # SIGKILL, as far as Redis can tell: no more lease renewals, no detach.
    for task in dead._tasks:
        task.cancel()
    assert not await alive.attach(8, Inbox())
    async with asyncio.timeout(5):
        while await alive.online([8]):
            await asyncio.sleep(0.05)  # waiting out the lease is the point of this test
    assert await alive.attach(8, Inbox())
    assert not await alive.publish(9, CHAT)
    await alive.close()
    await dead._redis.aclose()
    await dead._sub_client.aclose()


@pytest.mark.redis
async def test_the_bus_recovers_from_a_redis_restart(private_redis: PrivateRedis) -> None:
    url = private_redis.url + "?prefix=t:&lease=5"
    here, heard = RedisBus.from_url(url), Listener()
    await here.start(heard)
    inbox = Inbox()
    assert await here.attach(20, inbox)

    private_redis.stop()
    with pytest.raises(BusUnavailable):
        await here.publish_many([(21, CHAT)])
    await asyncio.to_thread(private_redis.start)  # empty: presence and subscriptions are gone

    # The bus reconnects by itself, claims its users again and asks for a look at storage.
    assert await get(heard.resumes) == [20]
    there = RedisBus.from_url(url)
    await there.start(Listener())
    assert await there.online([20]) == {20}
    assert not await there.attach(20, Inbox())
    assert await there.publish(20, CHAT)
    assert await inbox.get() == CHAT
    await there.close()
    await here.close()


async def test_memory_bus_has_no_other_instances() -> None:
    bus, listener, inbox = MemoryBus(), Listener(), Inbox()
    await bus.start(listener)
    assert await bus.attach(1, inbox)
    # Whoever is not attached here is offline: nothing is left for other instances.
    assert bus.publish_here([(1, CHAT), (2, CHAT)]) == []
    assert await inbox.get() == CHAT
    await bus.group_changed(1)
    assert listener.groups.empty()  # nobody else to tell, and not itself
    await bus.close()
    assert await bus.online([1]) == set()


@pytest.mark.redis
async def test_a_server_forgets_its_group_cache_when_the_bus_was_cut_off(
    private_redis: PrivateRedis, tmp_path: Any
) -> None:
    from chatapp.server.app import ChatServer
    from chatapp.server.config import Config

    config = Config(
        port=0, storage=f"sqlite:///{tmp_path}/c.db", bus=private_redis.url + "?lease=5",
        hash_cost=10,
    )  # fmt: skip
    server = ChatServer(config)
    await server.start()
    server.groups.joined(1, frozenset({1, 2}))
    private_redis.stop()
    await asyncio.to_thread(private_redis.start)
    async with asyncio.timeout(10):
        while server.groups._members:
            await asyncio.sleep(0.05)  # the bus reconnects by itself, with backoff
    await server.shutdown()
