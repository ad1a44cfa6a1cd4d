"""mixed: mostly idle users, some chatting one-to-one, some in groups, occasional reconnects."""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from chatapp.protocol import Errno

from ..account import errno_of, login
from ..conn import BenchConn, Json
from ..fanout import GroupFanout
from ..fleet import Fleet
from ..options import count_int, positive_int, seconds
from ..pairs import PingPong
from ..run import BenchFailure, Run
from ..stats import Latencies, rate
from .groups import connect_groups
from .pingpong import connect_pairs

NAME = "mixed"
HELP = "a realistic blend: idle users, one-to-one and group chat, reconnects"
DURATION = 30.0
DURATION_HELP = "seconds of measured load"
COUNT_HELP = "unused (--duration decides)"
RECONNECTS_IN_FLIGHT = 8


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--users", type=positive_int, default=200, help="users in all")
    parser.add_argument("--pairs", type=count_int, default=10, help="pairs chatting")
    parser.add_argument("--groups", type=count_int, default=2, help="groups chatting")
    parser.add_argument("--group-size", type=positive_int, default=10, help="group members")
    parser.add_argument(
        "--think", type=seconds, default=1.0, help="mean pause before a reply (s) (%(default)s)"
    )
    parser.add_argument(
        "--reconnects",
        type=seconds,
        default=1.0,
        metavar="PER_S",
        help="idle users reconnecting per second (%(default)s)",
    )


async def run(run: Run, fleet: Fleet, args: argparse.Namespace) -> Json:
    in_groups = args.groups * args.group_size
    chatting = in_groups + 2 * args.pairs
    if args.users <= chatting:
        raise BenchFailure(f"--users must exceed groups*size + 2*pairs = {chatting}")
    run.progress.set_phase("logging in")
    run.progress.status = fleet.status
    groups = await connect_groups(run, fleet, args.groups, args.group_size) if args.groups else []
    pairs = await connect_pairs(run, fleet, in_groups, args.pairs) if args.pairs else []
    names = [run.user(i) for i in range(chatting, args.users)]
    idle = await fleet.sign_in_all(
        [run.targets[i % len(run.targets)] for i in range(len(names))], names
    )
    one = PingPong(run, pairs, think=args.think)
    many = GroupFanout(run, groups, think=args.think)
    reconnects = Reconnects(run, fleet, idle, names)
    fleet.start_heartbeat()

    def delivered() -> int:
        return one.counts["delivered"] + many.counts["deliveries"]

    def poll() -> None:
        one.poll()
        many.poll()
        reconnects.tick()

    run.progress.set_phase("mixed load", run.duration)
    run.progress.status = lambda: {
        "chats": one.counts["delivered"],
        "group deliveries": many.counts["deliveries"],
        "reconnects": len(reconnects.latency),
        "alive": fleet.alive(),
    }
    run.measure_start()
    reconnects.start(args.reconnects)
    one.start()
    many.start()
    timeline = await run.hold(run.duration, counter=delivered, poll=poll)
    one.stop()
    many.stop()
    reconnects.rate = 0.0
    cpu = run.measure_stop(delivered())
    await run.drain(2.0, lambda: one.in_flight() or many.in_flight() or reconnects.busy > 0)
    await reconnects.stop()
    wall = cpu["wall_s"]
    alive = sum(1 for c in reconnects.idle if c is not None and not c.lost)
    return {
        "users": args.users,
        "kinds": {
            "one_chat": one.result(wall),
            "group_chat": many.result(wall),
            "reconnect": reconnects.result(wall),
            "idle": {"count": len(names), "alive_at_end": alive},
        },
        "cpu": cpu,
        "delivered_per_second": timeline.per_second,
    }


class Reconnects:
    """Drops an idle user's connection now and then and resumes (token, else password)."""

    def __init__(
        self, run: Run, fleet: Fleet, idle: list[BenchConn | None], names: list[str]
    ) -> None:
        self.run = run
        self.fleet = fleet
        self.idle = idle
        self.names = names
        self.rate = 0.0
        self.busy = 0
        self.failed = 0
        self.latency = Latencies()
        self.by_token = 0
        self._random = random.Random(3)
        self._next = 0.0
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, per_second: float) -> None:
        self.rate = per_second
        self._next = time.monotonic()

    def tick(self) -> None:
        """Called every 0.1 s: starts the reconnects that are due (Poisson arrivals)."""
        now = time.monotonic()
        while self.rate > 0 and self.idle and self._next <= now:
            self._next += self._random.expovariate(self.rate)
            if self.busy >= RECONNECTS_IN_FLIGHT:
                continue
            task = asyncio.get_running_loop().create_task(
                self._one(self._random.randrange(len(self.idle)))
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Abandons reconnects still under way (the drain gave them their time)."""
        self.rate = 0.0
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _one(self, index: int) -> None:
        old = self.idle[index]
        if old is None or old.lost or old.closing:
            return
        self.busy += 1
        try:
            self.idle[index] = None
            old.close()
            conn = await self.fleet.connect(self.run.targets[index % len(self.run.targets)])
            if conn is None:
                self.failed += 1
                return
            conn.resume_sequence(old)
            started = time.monotonic_ns()
            for _ in range(50):
                if old.token:
                    ack = await login(conn, self.run.timeout, token=old.token, last=old.seq_hi)
                else:
                    ack = await login(
                        conn, self.run.timeout, name=self.names[index], password=self.run.password
                    )
                if errno_of(ack) != Errno.ALREADY_ONLINE:
                    break
                await asyncio.sleep(0.02)
            if errno_of(ack) == 0:
                self.latency.add_ns(time.monotonic_ns() - started)
                self.by_token += bool(old.token)
                self.idle[index] = conn
            else:
                self.failed += 1
                self.run.errors[f"reconnect_errno_{errno_of(ack)}"] += 1
                conn.close()
            self.fleet.forget_closed()
        finally:
            self.busy -= 1

    def result(self, seconds: float) -> Json:
        return {
            "count": len(self.latency),
            "per_s": rate(len(self.latency), seconds),
            "latency_ms": self.latency.summary(),
            "with_token": self.by_token,
            "failed": self.failed,
        }
