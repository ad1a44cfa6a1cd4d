"""The Redis Cluster bus through failovers: a shard master killed, and one handed over
to its replica. Deliveries and presence go on once the slots are mapped anew; nothing a
publish acknowledged is lost."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from chatapp.protocol import ChatMessage
from chatapp.server.bus import BusUnavailable, Delivery
from chatapp.server.bus.redis import RedisBus
from chatapp.server.bus.redis_cluster import seeds
from chatapp.server.bus.redis_shards import ShardedSubscriber
from tests.redis_cluster_service import PrivateRedisCluster
from tests.server.bus.kit import CHAT, Inbox, Listener, get, started

pytestmark = pytest.mark.redis_cluster


async def publish_until_resumed(
    publisher: RedisBus, user_id: int, heard: Listener
) -> list[Delivery]:
    """Publishes a numbered chat to the user, over and over, until the instance that
    `heard` listens for says it resumed; returns those a publish acknowledged."""
    acknowledged: list[Delivery] = []
    mid = 1000
    while heard.resumes.empty():
        chat = dataclasses.replace(CHAT, mid=mid)
        mid += 1
        try:
            if await publisher.publish(user_id, chat):
                acknowledged.append(chat)
        except BusUnavailable:
            pass  # not acknowledged: the server would have stored it
        await asyncio.sleep(0.02)  # paced: the failover takes its time, not the test's
    return acknowledged


async def settled(cluster: PrivateRedisCluster, buses: tuple[RedisBus, ...]) -> None:
    """Until every instance is connected, subscribed on exactly the cluster's masters of now.

    Each instance renews its own lease, whose slot may have been on the master handed
    over: one without a confirmed renewal refuses what needs Redis, as it should. And an
    instance may map the slots once more: its first map after the handover can catch it
    half done, and its next (every third of the lease) resubscribes; a publish in that
    moment reaches its sessions through the log, as a resumption tells the server, which
    is not what the live deliveries below watch."""
    while True:
        masters = await asyncio.to_thread(cluster.master_names)
        if all(bus.connected and subscribed_on(bus) == masters for bus in buses):
            return
        await asyncio.sleep(0.05)


def subscribed_on(bus: RedisBus) -> set[str]:
    """The masters (host:port) an instance has a subscriber connection to."""
    subscriber = bus._subscriber
    assert isinstance(subscriber, ShardedSubscriber)
    return set(subscriber._shards)


async def survive(cluster: PrivateRedisCluster, url: str, handover: bool) -> None:
    """Two instances hold a user (a device each), A alone another; C publishes. The master
    of both users' slots fails over: handed over to its replica, or killed."""
    heard_a, heard_b = Listener(), Listener()
    a, b, c = await started(url, heard_a), await started(url, heard_b), await started(url)
    master = cluster.master_of(c.channel(21))
    both = next(uid for uid in range(22, 200) if cluster.master_of(c.channel(uid)) is master)
    phone, laptop, only = Inbox(), Inbox(), Inbox()
    assert (await a.attach(both, 1, phone)).claimed
    assert (await b.attach(both, 2, laptop)).claimed
    assert (await a.attach(21, 1, only)).claimed
    assert await c.publish(21, CHAT)
    assert await only.get() == CHAT

    if handover:
        cluster.replica_of(master).cli("cluster", "failover")
    else:
        master.stop()
    acknowledged = await asyncio.wait_for(publish_until_resumed(c, 21, heard_a), 30)
    while acknowledged:  # each comes, in order; one whose publish failed may come too
        if await only.get(bells=False) == acknowledged[0]:
            acknowledged.pop(0)
    assert sorted(await get(heard_a.resumes)) == [21, both]
    assert await get(heard_b.resumes) == [both]
    await settled(cluster, (a, b, c))
    assert a.reconnects >= 1 and b.reconnects >= 1
    assert cluster.master_of(c.channel(21)) is not master

    assert await c.online_devices(both) == {1, 2}
    assert await c.online([both, 21, 999]) == {both, 21}
    for bus in (a, b, c):
        assert await bus.publish(both, CHAT)
        assert await phone.get(bells=False) == CHAT
        assert await laptop.get(bells=False) == CHAT
    assert await c.publish(21, CHAT)
    late = await only.get(bells=False)
    while late != CHAT:  # a numbered one whose publish failed after its message went out
        assert isinstance(late, ChatMessage) and (late.mid or 0) >= 1000, late
        late = await only.get(bells=False)
    for bus in (a, b, c):
        await bus.close()


async def test_a_master_handed_over_to_its_replica(own_redis_cluster: PrivateRedisCluster) -> None:
    url = f"{own_redis_cluster.url}?prefix=fo:&lease=5"
    async with asyncio.timeout(60):  # a hang fails, showing where it waited
        await survive(own_redis_cluster, url, handover=True)


async def test_a_killed_master(own_redis_cluster: PrivateRedisCluster) -> None:
    url = f"{own_redis_cluster.url}?prefix=kill:&lease=5"
    try:
        async with asyncio.timeout(60):
            await survive(own_redis_cluster, url, handover=False)
    finally:
        for node in own_redis_cluster.nodes:
            if node.process is None:
                await asyncio.to_thread(node.start)  # it rejoins, as a replica
        await asyncio.to_thread(own_redis_cluster.wait_ok)


async def test_an_instance_that_heard_nothing_of_a_failover_finds_the_new_master(
    own_redis_cluster: PrivateRedisCluster,
) -> None:
    async with asyncio.timeout(60):
        await heard_nothing(own_redis_cluster)


async def heard_nothing(cluster: PrivateRedisCluster) -> None:
    heard = Listener()
    a = await started(f"{cluster.url}?prefix=q:&lease=5", heard)
    c = await started(f"{cluster.url}?prefix=q:&lease=5")
    # A master that serves none of A's channels (A holds nobody, and its control
    # channel is elsewhere): A keeps its connection to it, and hears nothing of the
    # handover.
    control = cluster.master_of(a._control)
    uid = next(n for n in range(1, 200) if cluster.master_of(a.channel(n)) is not control)
    master = cluster.master_of(a.channel(uid))
    cluster.replica_of(master).cli("cluster", "failover")
    async with asyncio.timeout(10):
        while cluster.master_of(a.channel(uid)) is master:
            await asyncio.sleep(0.05)  # the handover takes its time
    inbox = Inbox()
    assert (await a.attach(uid, 1, inbox)).claimed  # mapped anew on the way
    assert await get(heard.resumes) == [uid]
    # C's publishes go to the former master, which takes them for nobody, until C maps
    # the slots anew: within a third of the lease.
    async with asyncio.timeout(5):
        while not await c.publish(uid, CHAT):
            await asyncio.sleep(0.05)
    assert await inbox.get() == CHAT
    await a.close()
    await c.close()


def test_the_url_names_seeds_and_credentials() -> None:
    url = "redis-cluster://app:s%40cret@10.0.0.1:7000,[::1]:7001/?prefix=x:"
    assert seeds(url) == (
        [("10.0.0.1", 7000), ("::1", 7001)],
        {"username": "app", "password": "s@cret"},
    )
    assert seeds("redis-cluster://h:1/")[1] == {"username": None, "password": None}
