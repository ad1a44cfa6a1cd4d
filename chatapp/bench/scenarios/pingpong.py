"""pingpong: K pairs bounce one message each; with two targets the pairs cross instances."""

from __future__ import annotations

import argparse

from ..conn import BenchConn, Json
from ..fleet import Fleet
from ..options import positive_int, seconds
from ..pairs import PingPong
from ..run import BenchFailure, Run

NAME = "pingpong"
HELP = "closed-loop one-to-one chat between K pairs"
DURATION = 10.0
DURATION_HELP = "seconds of measured load"
COUNT_HELP = "stop after this many messages sent (default: no limit, --duration decides)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pairs", type=positive_int, default=10, help="pairs (users 2K)")
    parser.add_argument(
        "--grace", type=seconds, default=2.0, help="wait for late messages (s) (%(default)s)"
    )


async def connect_pairs(
    run: Run, fleet: Fleet, first: int, pairs: int
) -> list[tuple[BenchConn, BenchConn]]:
    """Logs in users first.. first+2K-1: pair i is users 2i and 2i+1, the second one on the
    last target (another instance when two are given)."""
    names = [run.user(first + i) for i in range(2 * pairs)]
    targets = [run.targets[0] if i % 2 == 0 else run.targets[-1] for i in range(2 * pairs)]
    conns = await fleet.sign_in_all(targets, names)
    out = []
    for i in range(pairs):
        a, b = conns[2 * i], conns[2 * i + 1]
        if a is not None and b is not None:
            out.append((a, b))
    if not out:
        raise BenchFailure(
            f"no pair could log in ({dict(run.errors)}); " + run.users_hint(first + 2 * pairs)
        )
    return out


async def run(run: Run, fleet: Fleet, args: argparse.Namespace) -> Json:
    run.progress.set_phase("logging in")
    run.progress.status = fleet.status
    engine = PingPong(run, await connect_pairs(run, fleet, 0, args.pairs), limit=run.count)
    fleet.start_heartbeat()
    run.progress.set_phase("ping-pong", run.duration)
    run.progress.status = engine.status
    run.measure_start()
    engine.start()
    timeline = await run.hold(
        run.duration,
        counter=lambda: engine.counts["delivered"],
        poll=engine.poll,
        done=engine.done,
    )
    engine.stop()
    cpu = run.measure_stop(engine.counts["delivered"])
    await run.drain(args.grace, engine.in_flight)
    chat = engine.result(cpu["wall_s"])
    chat["per_second"] = timeline.per_second
    return {
        "pairs": args.pairs,
        "kinds": {"one_chat": chat},
        "cpu": cpu,
        # chatbench's names, so that one script reads both.
        "delivered": chat["count"],
        "msgs_per_s": chat["per_s"],
        "latency_ms": chat["latency_ms"],
        "lost": chat["lost"],
    }
