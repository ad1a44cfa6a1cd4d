"""The fence at the bus's own level, with no namespaces: instance A reaches Redis only
through the FaultProxy, which cuts it off for a fraction of the lease and for longer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

import pytest

from chatapp.server.bus import DOORBELL, BusUnavailable, EndSession
from chatapp.server.bus.redis import RedisBus
from tests.faultproxy import FaultProxy
from tests.redis_service import PrivateRedis
from tests.server.bus.kit import CHAT, Inbox, Listener, get, started

pytestmark = [pytest.mark.partition, pytest.mark.redis]

LEASE = 1.0


@pytest.fixture
async def proxy(private_redis: PrivateRedis) -> AsyncIterator[FaultProxy]:
    made = FaultProxy([("127.0.0.1", private_redis.port)])
    await made.start()
    yield made
    made.heal()
    made.thaw()
    await made.stop()


async def until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Waits until `check()` is true."""
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)  # the fence and leases move at their own pace


async def buses(
    redis: PrivateRedis, proxy: FaultProxy, heard: Listener | None = None
) -> tuple[RedisBus, RedisBus]:
    """A, through the proxy, and B, which `heard` listens to."""
    options = f"/0?prefix=f:&lease={LEASE}"
    a = await started(f"redis://127.0.0.1:{proxy.port}{options}", Listener())
    b = await started(f"redis://127.0.0.1:{redis.port}{options}", heard)
    return a, b


async def test_a_cut_shorter_than_the_lease_changes_nothing(
    private_redis: PrivateRedis, proxy: FaultProxy
) -> None:
    a, b = await buses(private_redis, proxy)
    phone = Inbox()
    assert (await a.attach(5, 1, phone)).claimed
    proxy.partition(0)
    await asyncio.sleep(LEASE / 4)  # the length of the cut is the point
    proxy.heal()
    proxy.thaw()
    await phone.quiet(LEASE * 1.5)  # no EndSession: the session stands
    assert await b.online_devices(5) == {1}
    assert await b.publish(5, CHAT)
    assert await phone.get() == CHAT
    await a.close()
    await b.close()


async def test_a_lapsed_instance_gives_its_sessions_up_and_takes_nothing_back(
    private_redis: PrivateRedis, proxy: FaultProxy, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="chatapp.server.bus")
    heard = Listener()
    a, b = await buses(private_redis, proxy, heard)
    phone, console, elsewhere = Inbox(), Inbox(), Inbox()
    assert (await a.attach(5, 1, phone)).claimed
    assert (await a.attach(6, 1, console, exclusive=True)).claimed
    assert (await b.attach(7, 1, elsewhere)).claimed
    old_id = a.instance_id

    proxy.partition(0)
    ended = [await phone.get(), await console.get()]
    assert [type(e) for e in ended] == [EndSession, EndSession], ended
    assert not a.connected  # /readyz says so
    with pytest.raises(BusUnavailable):  # at once, not after a timeout
        await a.publish_many([(7, CHAT)])
    with pytest.raises(BusUnavailable):  # a group changed on A meanwhile
        await a.group_changed(3)
    # Others count A's sessions as gone once its lease ran out: the same device, and a
    # console of the user, log in on B.
    await until(lambda: not a._local.users)  # A gave its sessions up
    async with asyncio.timeout(10):
        while await b.online([5, 6]):
            await asyncio.sleep(0.05)  # A's lease runs out in Redis
    assert (await b.attach(5, 1, Inbox())).claimed
    assert (await b.attach(6, 2, Inbox(), exclusive=True)).claimed

    proxy.heal()
    proxy.thaw()
    await until(lambda: a.connected)  # A renewed a lease again
    assert a.instance_id != old_id
    assert await b.online_devices(5) == {1}
    assert await b.online_devices(6) == {2}
    assert await elsewhere.get() == DOORBELL  # the chat A could not publish is in the log
    assert await get(heard.groups) == 3  # B's cache of the group is dropped after all
    lapsed = [r for r in caplog.records if "lease lost" in r.getMessage()]
    assert lapsed and lapsed[0].levelno == logging.ERROR
    assert "gave up 2 sessions of 2 users" in lapsed[0].getMessage()
    assert any("renewed again after" in r.getMessage() for r in caplog.records)
    await a.close()
    await b.close()


async def test_a_slow_redis_is_no_lapse(private_redis: PrivateRedis, proxy: FaultProxy) -> None:
    a, b = await buses(private_redis, proxy)
    phone = Inbox()
    assert (await a.attach(5, 1, phone)).claimed
    proxy.faults[0].delay = LEASE / 8  # each way: a round trip of a quarter lease
    await phone.quiet(LEASE * 2)  # renewals are slow, and none is missed
    assert await b.online_devices(5) == {1}
    proxy.heal()
    await a.close()
    await b.close()


async def test_lost_replies_lapse_the_lease_as_a_cut_does(
    private_redis: PrivateRedis, proxy: FaultProxy
) -> None:
    a, b = await buses(private_redis, proxy)
    phone = Inbox()
    assert (await a.attach(5, 1, phone)).claimed
    proxy.faults[0].drop_replies = True  # Redis hears A's renewals; A never hears back
    ended = await phone.get()
    assert isinstance(ended, EndSession), ended
    proxy.heal()
    await until(lambda: a.connected)  # under its new id
    async with asyncio.timeout(10):
        while await b.online([5]):
            await asyncio.sleep(0.05)  # the old id's lease, renewed unawares, runs out
    assert not a._local.users
    await a.close()
    await b.close()
