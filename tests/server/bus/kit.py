"""What the bus tests share: a listener and an inbox that record, and buses to open."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from chatapp.protocol import ChatMessage
from chatapp.server.bus import DOORBELL, Bus, Delivery, open_bus
from chatapp.server.bus.redis import RedisBus

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
    """A session stand-in: the deliveries made to one session."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Delivery] = asyncio.Queue()

    def __call__(self, delivery: Delivery) -> None:
        self.queue.put_nowait(delivery)

    async def get(self, *, bells: bool = True) -> Delivery:
        """The next delivery; with bells=False, the next that is not the doorbell."""
        async with asyncio.timeout(5):
            while True:
                delivery = await self.queue.get()
                if bells or delivery != DOORBELL:
                    return delivery

    async def quiet(self, seconds: float = 0.3, *, bells: bool = True) -> None:
        """Proves that nothing more (with bells=False: nothing but doorbells) arrives
        within `seconds`."""
        try:
            extra = await asyncio.wait_for(self.get(bells=bells), seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected delivery {extra!r}")


async def get(queue: asyncio.Queue[Any]) -> Any:
    async with asyncio.timeout(10):
        return await queue.get()


async def started(url: str, listener: Listener | None = None) -> RedisBus:
    """A Redis (or Redis Cluster) bus on `url`, started: another instance of the cluster."""
    bus = open_bus(url)
    assert isinstance(bus, RedisBus)
    await bus.start(listener or Listener())
    return bus


async def kill(bus: RedisBus) -> None:
    """Stops an instance as SIGKILL would, as far as Redis can tell: no more lease
    renewals, no detach; its connections closed."""
    for task in bus._tasks:
        task.cancel()
    await asyncio.gather(*bus._tasks, return_exceptions=True)
    await bus._subscriber.close()
    for client in bus._clients:
        await client.aclose()


@pytest.fixture(
    params=[
        "memory",
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("redis-cluster", marks=pytest.mark.redis_cluster),
    ]
)
def bus_url(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "redis-cluster":
        return str(request.getfixturevalue("redis_cluster_url"))
    return str(request.getfixturevalue("redis_url"))


@pytest.fixture
async def make_bus(bus_url: str) -> AsyncIterator[Callable[[], Any]]:
    """Opens buses on one URL: for Redis each is another instance of the cluster, for
    memory all are the one bus."""
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
        await close(bus)


async def close(bus: Bus) -> None:
    """Closes the bus; if that takes a minute, fails, naming what every task awaits."""
    try:
        await asyncio.wait_for(asyncio.shield(bus.close()), 60)
    except TimeoutError:
        stacks = io.StringIO()
        for task in asyncio.all_tasks():
            stacks.write(f"--- {task.get_name()}\n")
            task.print_stack(file=stacks)
        raise AssertionError(f"the bus did not close:\n{stacks.getvalue()}") from None
