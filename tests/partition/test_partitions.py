"""An instance cut off from Redis, from MariaDB and from its clients, each for a quarter of
the lease and for twice it, while users chat; then healed. Nothing acknowledged may be
lost or passed on twice, nobody may be online on two instances once healed, and an
instance whose lease may have run out gives its users up and says so in its log.

What each cut did (how many users lost their session, for how long at most) is printed,
for deploy/README.md's "Partitions: what users see"."""

from __future__ import annotations

import asyncio
import time

import pytest

from .chatters import Offline
from .conftest import LEASE, Cluster
from .netlab import Link

pytestmark = [pytest.mark.partition, pytest.mark.mysql, pytest.mark.redis]

LAPSED = "lease lost"


def audited(cluster: Cluster, what: str, offline: Offline, took: float) -> None:
    result = cluster.chatters.summary()
    print(
        f"partition: {what}: {offline.users_cut} users lost their session, "
        f"back after {offline.longest:.1f} s at most; all delivered {took:.1f} s after "
        f"the heal; {result}"
    )
    assert result["lost"] == 0, result
    assert result["duplicates"] == 0, result
    assert result["unacknowledged"] == 0, result


async def cut_for(cluster: Cluster, link: Link, seconds: float, what: str) -> None:
    """Cuts `link` for `seconds` while the users chat, heals it, and audits."""
    with Offline(cluster.chatters) as offline:
        load = asyncio.create_task(cluster.chatters.chat(seconds + 1))  # until the heal
        await asyncio.sleep(1)  # chat before the cut
        cluster.lab.net.cut(link)
        await asyncio.sleep(seconds)  # the length of the partition is the point
        cluster.lab.net.heal(link)
        healed = time.monotonic()
        await load
        await cluster.chatters.settled()
        took = time.monotonic() - healed
        await cluster.one_session_each()
        await cluster.all_ready()  # the instance cut off serves again
        audited(cluster, what, offline, took)


async def test_cut_from_redis(cluster: Cluster) -> None:
    link = cluster.lab.to_redis[0]
    await cut_for(cluster, link, LEASE / 4, "instance 0 cut from Redis for a quarter lease")
    assert not cluster.instances[0].lines(LAPSED)  # nothing changed for its users
    assert cluster.chatters.ledger.reconnects == 0

    await cut_for(cluster, link, LEASE * 2, "instance 0 cut from Redis for twice the lease")
    line = await cluster.log_line(0, LAPSED)
    assert "ERROR" in line and "gave up" in line, line
    print("partition: instance 0 said:", line)


async def test_cut_from_mysql(cluster: Cluster) -> None:
    link = cluster.lab.to_mysql[0]
    await cut_for(cluster, link, LEASE / 4, "instance 0 cut from MariaDB for a quarter lease")
    await cut_for(cluster, link, LEASE * 2, "instance 0 cut from MariaDB for twice the lease")
    assert not cluster.instances[0].lines(LAPSED)  # the bus had nothing to do with it


async def test_cut_from_clients(cluster: Cluster) -> None:
    link = cluster.lab.to_clients[0]
    await cut_for(cluster, link, LEASE / 4, "instance 0 cut from its clients for a quarter lease")
    await cut_for(cluster, link, LEASE * 2, "instance 0 cut from its clients for twice the lease")
    assert not cluster.instances[0].lines(LAPSED)
