"""The clients' path to an instance made slow, deaf or half-open by the FaultProxy while
users chat; then healed. Nothing acknowledged may be lost or passed on twice, and nobody
may be online on two instances once healed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from .chatters import Offline
from .conftest import Cluster
from .test_partitions import LAPSED, audited

pytestmark = [pytest.mark.partition, pytest.mark.mysql, pytest.mark.redis]


async def fault_for(cluster: Cluster, start: Callable[[], None], seconds: float, what: str) -> None:
    """Starts a fault of the proxy for `seconds` while the users chat, heals, audits."""
    proxy = cluster.proxy
    with Offline(cluster.chatters) as offline:
        load = asyncio.create_task(cluster.chatters.chat(seconds + 1))
        await asyncio.sleep(1)  # chat before the fault
        start()
        await asyncio.sleep(seconds)  # how long the fault lasts is the point
        proxy.heal()
        proxy.thaw()
        healed = time.monotonic()
        await load
        await cluster.chatters.settled()
        took = time.monotonic() - healed
        await cluster.one_session_each()
        audited(cluster, what, offline, took)


async def test_delay_drop_and_half_open(cluster: Cluster) -> None:
    proxy = cluster.proxy

    def busiest() -> int:
        """The instance most users are on now (the faults send them elsewhere)."""
        return max(range(len(proxy.upstreams)), key=proxy.open_to)

    def delay() -> None:
        proxy.faults[busiest()].delay = 0.3

    def drop() -> None:
        proxy.faults[busiest()].drop_replies = True

    def half_open() -> None:
        assert proxy.half_open(busiest()) > 0

    await fault_for(cluster, delay, 4, "an instance's clients delayed 0.3 s each way")
    assert cluster.chatters.ledger.reconnects == 0  # slow, not broken
    await fault_for(cluster, drop, 4, "an instance's replies to its clients dropped")
    await fault_for(cluster, half_open, 4, "an instance's client connections left half-open")
    assert not any(instance.lines(LAPSED) for instance in cluster.instances)
