"""conns: holds C logged-in idle connections and reads what each costs the server in memory."""

from __future__ import annotations

import argparse
import asyncio
import time

from ..conn import BenchConn, Json
from ..dialer import raise_open_files_limit, source_addresses
from ..fleet import Fleet
from ..options import count_int, positive_int, seconds
from ..procstat import rss_kib
from ..run import BenchFailure, Run
from ..stats import rate

NAME = "conns"
HELP = "hold C logged-in idle connections; server memory per connection (with --pid)"
DURATION = 5.0
DURATION_HELP = "seconds to hold the connections"
COUNT_HELP = "connections to hold (default: 1000)"
DEFAULT_COUNT = 1000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--src-ips",
        type=count_int,
        default=0,
        help="bind to 127.0.0.2.. round robin: this many addresses (default: enough for "
        "--count beyond one address's ephemeral ports)",
    )
    parser.add_argument(
        "--settle", type=seconds, default=1.0, help="pause before reading memory (s)"
    )
    parser.add_argument(
        "--split-phases",
        action="store_true",
        help="connect all, read memory, then log all in: memory of a bare connection too "
        "(the server's --login-timeout must outlast the logins)",
    )
    parser.add_argument(
        "--connect-concurrency", type=positive_int, default=256, help="connects in flight"
    )


async def run(run: Run, fleet: Fleet, args: argparse.Namespace) -> Json:
    count = run.count or DEFAULT_COUNT
    limit = raise_open_files_limit()
    if count + 64 > limit:
        raise BenchFailure(f"--count {count} needs more open files than the limit {limit}")
    pid = run.pids[0] if run.pids else None
    sources = source_addresses(args.src_ips, count, run.targets[0])
    names = [run.user(i) for i in range(count)]
    rss: dict[str, int | None] = {}

    async def sample(label: str) -> None:
        await asyncio.sleep(args.settle)
        rss[label] = rss_kib(pid) if pid else None

    await sample("before")
    run.measure_start()
    started = time.monotonic()
    if args.split_phases:
        conns = await _connect_all(run, fleet, count, sources, args.connect_concurrency)
        await sample("connected")
        run.progress.set_phase("logging in")
        run.progress.status = fleet.status
        await fleet.log_in_all(conns, names)
    else:
        run.progress.set_phase("connecting and logging in")
        run.progress.status = fleet.status
        await fleet.sign_in_all([run.targets[0]] * count, names, sources)
    login_s = time.monotonic() - started
    logged_in = fleet.signed_in
    if not logged_in:
        hint = run.users_hint(count)
        raise BenchFailure(f"no connection could log in ({dict(run.errors)}); {hint}")
    await sample("logged_in")
    fleet.start_heartbeat()
    run.progress.set_phase("holding", run.duration)
    run.progress.status = lambda: {"alive": fleet.alive(), "of": logged_in}
    await asyncio.sleep(run.duration)
    alive = fleet.alive()
    cpu = run.measure_stop(0)
    await fleet.close()
    await sample("closed")
    connect = {"count": len(fleet.connect_latency), "latency_ms": fleet.connect_latency.summary()}
    login = {
        "count": logged_in,
        "per_s": rate(logged_in, login_s),
        "latency_ms": run.login_latency.summary(),
    }
    return {
        "count": count,
        "source_addresses": len(sources),
        "open_files_limit": limit,
        "kinds": {
            "connect": connect,
            "login": login,
            "idle": {"count": alive, "held_s": run.duration, "dropped": logged_in - alive},
        },
        "memory": _memory(rss, logged_in),
        "cpu": cpu,
        "kib_per_conn": _per(rss, "before", "logged_in", logged_in),
    }


async def _connect_all(
    run: Run, fleet: Fleet, count: int, sources: list[str], concurrency: int
) -> list[BenchConn | None]:
    conns: list[BenchConn | None] = [None] * count
    gate = asyncio.Semaphore(concurrency)
    run.progress.set_phase("connecting")
    run.progress.status = lambda: {"connected": len(fleet.connect_latency), "of": count}

    async def connect(i: int) -> None:
        async with gate:
            source = sources[i % len(sources)] if sources else None
            conns[i] = await fleet.connect(run.targets[0], source)

    await asyncio.gather(*(connect(i) for i in range(count)))
    return conns


def _per(rss: dict[str, int | None], before: str, after: str, n: int) -> float | None:
    a, b = rss.get(before), rss.get(after)
    return round((b - a) / n, 2) if a is not None and b is not None and n else None


def _memory(rss: dict[str, int | None], logged_in: int) -> Json:
    out: Json = {"rss_kib": rss, "kib_per_conn": _per(rss, "before", "logged_in", logged_in)}
    if "connected" in rss:
        out["kib_per_conn_connect_only"] = _per(rss, "before", "connected", logged_in)
        out["kib_per_login"] = _per(rss, "connected", "logged_in", logged_in)
    return out
