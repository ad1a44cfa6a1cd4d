"""The two Redis buses side by side, bus objects only (no chat server): attach, deliveries
across instances and `online()`, on the machine's Redis and on a private Redis Cluster.
A benchmark, not a test: `python -m tests.server.bus.bench_bus` from a checkout prints
two rounds of each, alternating (docs/performance.md, "The bus on Redis Cluster")."""

from __future__ import annotations

import asyncio
import secrets
import tempfile
import time
from pathlib import Path

from tests.redis_cluster_service import PrivateRedisCluster
from tests.server.bus.kit import CHAT, Inbox, started

USERS = 200
BATCH = 100
BATCHES = 200
ASKS = 200


async def measure(url: str, label: str) -> None:
    """One instance holds USERS users; another publishes to them in batches and asks who
    of 50 is online."""
    here, there = await started(url), await started(url)
    inboxes = {uid: Inbox() for uid in range(1, USERS + 1)}
    begun = time.perf_counter()
    for uid, inbox in inboxes.items():
        await here.attach(uid, 1, inbox)
    attach_ms = (time.perf_counter() - begun) / USERS * 1000
    begun = time.perf_counter()
    for n in range(BATCHES):
        first = 1 + (n % 2) * BATCH
        unheard = await there.publish_many([(uid, CHAT) for uid in range(first, first + BATCH)])
        assert unheard == [], unheard
    for inbox in inboxes.values():  # bounded: each gets BATCHES * BATCH / USERS
        while inbox.queue.qsize() < BATCHES * BATCH // USERS:
            await asyncio.sleep(0.001)
    rate = BATCHES * BATCH / (time.perf_counter() - begun)
    begun = time.perf_counter()
    for _ in range(ASKS):
        await there.online(range(1, 51))
    online_ms = (time.perf_counter() - begun) / ASKS * 1000
    print(
        f"{label}: attach {attach_ms:.2f} ms each; {rate:,.0f} deliveries/s across "
        f"instances (batches of {BATCH}); online() of 50 users {online_ms:.2f} ms"
    )
    await here.close()
    await there.close()


async def rounds(cluster: PrivateRedisCluster) -> None:
    for _ in range(2):
        await measure(f"redis://127.0.0.1:6379/0?prefix=bench{secrets.token_hex(3)}:", "redis://")
        await measure(f"{cluster.url}?prefix=bench{secrets.token_hex(3)}:", "redis-cluster://")


def main() -> None:
    cluster = PrivateRedisCluster(Path(tempfile.mkdtemp(prefix="bench-cluster-")))
    cluster.start()
    try:
        asyncio.run(asyncio.wait_for(rounds(cluster), 600))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
