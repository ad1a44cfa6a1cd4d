"""What an online user costs Redis: its presence key and its channel's subscription, on a
private redis-server, for the million-user plan of docs/performance.md. A benchmark, not a
test: `python -m tests.server.bus.bench_presence [USERS]` from a checkout prints Redis's
`used_memory` per user attached and redis-server's CPU per attach."""

from __future__ import annotations

import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

from redis.asyncio import Redis

from chatapp.tools.services import PrivateRedis
from tests.server.bus.kit import Inbox, started

DEVICE = 1


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process, from /proc (clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime, stime: fields 14 and 15


async def measure(redis: PrivateRedis, users: int) -> None:
    client = Redis.from_url(redis.url)
    before = int((await client.info("memory"))["used_memory"])
    bus = await started(f"{redis.url}?prefix=p:")
    pid = redis.process.pid if redis.process is not None else 0
    cpu = cpu_seconds(pid)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    begun = time.perf_counter()
    for uid in range(1, users + 1):
        await bus.attach(uid, DEVICE, Inbox())
    took = time.perf_counter() - begun
    redis_cpu = cpu_seconds(pid) - cpu
    after = int((await client.info("memory"))["used_memory"])
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss
    print(
        f"{users:,} users attached in {took:.1f} s ({users / took:,.0f}/s, one at a time); "
        f"Redis used_memory +{(after - before) / users:,.0f} bytes per user; "
        f"redis-server CPU {redis_cpu / users * 1e6:,.0f} us per attach; "
        f"this process's peak RSS +{grown * 1024 / users:,.0f} bytes per user (bus side, "
        "with a test inbox each)"
    )
    await bus.close()
    await client.aclose()


def main() -> None:
    users = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    redis = PrivateRedis(Path(tempfile.mkdtemp(prefix="bench-presence-")))
    redis.start()
    try:
        asyncio.run(asyncio.wait_for(measure(redis, users), 600))
    finally:
        redis.stop()


if __name__ == "__main__":
    main()
