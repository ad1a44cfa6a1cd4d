"""The Redis bus after Redis restarted empty: sessions claimed again, shared users found
again, and an exclusive session whose claim was taken meanwhile evicted."""

from __future__ import annotations

import asyncio

import pytest

from chatapp.server.bus import BusUnavailable, EndSession
from chatapp.server.bus.redis import RedisBus
from tests.client.net.proxy import Proxy
from tests.redis_service import PrivateRedis
from tests.server.bus.kit import CHAT, Inbox, Listener, get, started

pytestmark = pytest.mark.redis


async def both_shared(buses: list[RedisBus], user_id: int) -> None:
    async with asyncio.timeout(10):
        while not all(user_id in bus._shared for bus in buses):
            await asyncio.sleep(0.02)  # the join is heard by the other, at its pace


async def test_two_devices_on_two_instances_recover(private_redis: PrivateRedis) -> None:
    url = private_redis.url + "?prefix=t:&lease=5"
    heard_a, heard_b = Listener(), Listener()
    a, b = await started(url, heard_a), await started(url, heard_b)
    phone, laptop = Inbox(), Inbox()
    assert (await a.attach(20, 1, phone)).claimed
    assert (await b.attach(20, 2, laptop)).claimed

    private_redis.stop()
    with pytest.raises(BusUnavailable):
        await a.publish_many([(21, CHAT)])
    await asyncio.to_thread(private_redis.start)  # empty: presence and subscriptions gone

    # Each reconnects by itself, claims its sessions again and asks for a look at storage.
    assert await get(heard_a.resumes) == [20]
    assert await get(heard_b.resumes) == [20]
    await both_shared([a, b], 20)
    c = await started(url)
    assert await c.online_devices(20) == {1, 2}
    for bus in (a, b, c):
        assert await bus.publish(20, CHAT)
        assert await phone.get(bells=False) == CHAT
        assert await laptop.get(bells=False) == CHAT
    await phone.quiet(bells=False)
    await laptop.quiet(bells=False)
    assert heard_a.evictions.empty() and heard_b.evictions.empty()
    for bus in (a, b, c):
        await bus.close()


async def test_an_exclusive_session_taken_over_meanwhile_is_evicted(
    private_redis: PrivateRedis,
) -> None:
    proxy = Proxy(private_redis.port)  # A reaches Redis only through it
    await proxy.start()
    options = "?prefix=t:&lease=5"
    heard = Listener()
    a = await started(f"redis://127.0.0.1:{proxy.port}/0{options}", heard)
    legacy, other, plain = Inbox(), Inbox(), Inbox()
    assert (await a.attach(30, 1, legacy, exclusive=True)).claimed
    assert (await a.attach(31, 1, other, exclusive=True)).claimed
    assert (await a.attach(32, 1, plain)).claimed

    proxy.down = True
    proxy.cut()
    private_redis.stop()
    await asyncio.to_thread(private_redis.start)
    b = await started(private_redis.url + options)
    assert (await b.attach(30, 2, Inbox())).first  # A is cut off: it holds nothing now
    assert (await b.attach(32, 2, Inbox(), exclusive=True)).first
    proxy.down = False

    assert await get(heard.evictions) == [30]
    assert await get(heard.resumes) == [31]  # the only session A still holds
    assert await b.online_devices(30) == {2}
    assert await b.online_devices(31) == {1}  # claimed again
    # A session claimed again takes nothing another instance holds: beside the legacy
    # console that got in while A was cut off, the plain session is told to end (its
    # client logs in again, and that login ends the console, as any login would).
    ended = await plain.get()
    assert isinstance(ended, EndSession) and ended.device_id == 1, ended
    assert await b.online_devices(32) == {2}
    assert 32 not in a._shared
    assert await b.publish(31, CHAT)
    assert await other.get() == CHAT
    await a.close()
    await b.close()
    await proxy.stop()
