"""groups: G groups of M members; each message fans out to the other M-1, closed loop."""

from __future__ import annotations

import argparse

from ..conn import Json
from ..fanout import Group, GroupFanout
from ..fleet import Fleet
from ..options import positive_int, seconds
from ..run import BenchFailure, Run
from .setup import group_name

NAME = "groups"
HELP = "closed-loop group fan-out: G groups of M members, senders taking turns"
DURATION = 10.0
DURATION_HELP = "seconds of measured load"
COUNT_HELP = "stop after this many group messages sent (default: no limit)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--groups", type=positive_int, default=4, help="groups (%(default)s)")
    parser.add_argument(
        "--group-size", type=positive_int, default=10, help="members per group (%(default)s)"
    )
    parser.add_argument(
        "--window",
        type=positive_int,
        default=1,
        help="messages in flight per group (%(default)s: the next goes when all have the last)",
    )
    parser.add_argument(
        "--grace", type=seconds, default=2.0, help="wait for late messages (s) (%(default)s)"
    )


async def connect_groups(run: Run, fleet: Fleet, groups: int, size: int) -> list[Group]:
    """Logs in the members of groups PREFIXg0..: users g*size.. g*size+size-1 as setup made
    them; member k on target k modulo the number of targets."""
    if size < 2:
        raise BenchFailure("--group-size must be 2 or more")
    names = [run.user(i) for i in range(groups * size)]
    targets = [run.targets[(i % size) % len(run.targets)] for i in range(groups * size)]
    conns = await fleet.sign_in_all(targets, names)
    hint = run.users_hint(groups * size, f" --groups {groups} --group-size {size}")
    out: list[Group] = []
    for g in range(groups):
        members = conns[g * size : (g + 1) * size]
        present = [c for c in members if c is not None]
        if len(present) < size:
            continue
        name = group_name(run.prefix, g)
        found = present[0].groups.get(name)
        if found is None or any(name not in c.groups for c in present):
            raise BenchFailure(f"group {name} is missing members; {hint}")
        out.append(Group(len(out), found[0], present, run.run_id))
    if not out:
        raise BenchFailure(f"no group could log in completely ({dict(run.errors)}); {hint}")
    return out


async def run(run: Run, fleet: Fleet, args: argparse.Namespace) -> Json:
    run.progress.set_phase("logging in")
    run.progress.status = fleet.status
    groups = await connect_groups(run, fleet, args.groups, args.group_size)
    engine = GroupFanout(run, groups, window=args.window, limit=run.count)
    fleet.start_heartbeat()
    run.progress.set_phase("fan-out", run.duration)
    run.progress.status = engine.status
    run.measure_start()
    engine.start()
    timeline = await run.hold(
        run.duration,
        counter=lambda: engine.counts["deliveries"],
        poll=engine.poll,
        done=engine.done,
    )
    engine.stop()
    cpu = run.measure_stop(engine.counts["deliveries"])
    await run.drain(args.grace, engine.in_flight)
    chat = engine.result(cpu["wall_s"])
    chat["per_second"] = timeline.per_second
    return {
        "groups": args.groups,
        "group_size": args.group_size,
        "window": args.window,
        "kinds": {"group_chat": chat},
        "cpu": cpu,
        "deliveries": chat["count"],
        "deliveries_per_s": chat["per_s"],
        "latency_ms": chat["latency_ms"],
        "lost_deliveries": chat["lost"],
    }
