"""Run: what every scenario is given (options, counters, progress) and the measuring loop."""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from .conn import AckPolicy, BenchConn, DeliveryStats, Json
from .options import Target, check_prefix, parse_pids, parse_targets
from .procstat import CpuWindow, add_per_message, memory
from .progress import Progress
from .stats import Latencies, Timeline

POLL_SECONDS = 0.1


class BenchFailure(Exception):
    """The scenario cannot run (users missing, server unreachable); the message says why."""


def _never() -> bool:
    return False


def _nothing() -> None:
    pass


@dataclass
class Run:
    """One scenario run: the common options and the counters shared by its connections."""

    scenario: str
    targets: list[Target]
    prefix: str
    password: str
    duration: float
    count: int
    timeout: float
    login_concurrency: int
    pids: list[int]
    cid: bool
    policy: AckPolicy
    progress: Progress
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))
    """Marks this run's chats, so leftovers of an earlier run are told apart."""
    errors: Counter[str] = field(default_factory=Counter)
    deliveries: DeliveryStats = field(default_factory=DeliveryStats)
    login_latency: Latencies = field(default_factory=Latencies)
    cpu: CpuWindow = field(init=False)
    memory_before: dict[str, int | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cpu = CpuWindow(self.pids)

    @classmethod
    def from_args(cls, scenario: str, args: argparse.Namespace, progress: Progress) -> Run:
        """Raises OptionError for a value the bench refuses."""
        return cls(
            scenario=scenario,
            targets=parse_targets(args.targets, allow_remote=args.allow_remote),
            prefix=check_prefix(args.prefix),
            password=args.password,
            duration=args.duration,
            count=args.count,
            timeout=args.timeout,
            login_concurrency=args.login_concurrency,
            pids=parse_pids(args.pid),
            cid=not args.no_cid,
            policy=AckPolicy(every=args.ack_every, delay=args.ack_delay),
            progress=progress,
        )

    def user(self, index: int) -> str:
        return f"{self.prefix}{index}"

    def new_conn(self) -> BenchConn:
        return BenchConn(self.errors, self.deliveries, self.policy)

    def measure_start(self) -> None:
        """The measured window starts: CPU and memory are read now."""
        self.memory_before = memory(self.pids)
        self.cpu.start()

    def measure_stop(self, delivered: int) -> Json:
        """The measured window ends: CPU used in it, per delivered message too."""
        cpu = self.cpu.stop()
        add_per_message(cpu, delivered)
        return cpu

    async def hold(
        self,
        seconds: float,
        *,
        counter: Callable[[], int],
        poll: Callable[[], None] = _nothing,
        done: Callable[[], bool] = _never,
    ) -> Timeline:
        """Lets the load run for `seconds` or until `done()`; polls every 0.1 s and samples
        `counter` every second for the timeline."""
        timeline = Timeline()
        start = time.monotonic()
        end = start + seconds
        next_sample = start + 1.0
        while (now := time.monotonic()) < end and not done():
            await asyncio.sleep(min(POLL_SECONDS, end - now))
            poll()
            if time.monotonic() >= next_sample:
                timeline.sample(counter())
                next_sample += 1.0
        return timeline

    async def drain(self, grace: float, in_flight: Callable[[], bool]) -> None:
        """After the load stops: waits (at most `grace`) for messages still on their way."""
        end = time.monotonic() + grace
        self.progress.set_phase("draining", grace)
        # Polled: "nothing in flight" is a state of several engines, not one event.
        while in_flight() and time.monotonic() < end:  # noqa: ASYNC110
            await asyncio.sleep(0.02)

    def common_result(self) -> Json:
        return {
            "scenario": self.scenario,
            "run_id": self.run_id,
            "targets": [str(t) for t in self.targets],
            "prefix": self.prefix,
            "pids": self.pids,
        }

    def chat_tag(
        self, obj: Json, kind: str, entries: int, counts: dict[str, int]
    ) -> tuple[int, int, str] | None:
        """(index, number, send time) from the text `kind|run|index|number|sent` of a chat
        this run sent, index below `entries`; None, counted, for anything else."""
        try:
            tag_kind, run_id, index, number, sent = obj["msg"].split("|")
            found = (int(index), int(number), sent)
            if not 0 <= found[0] < entries:
                raise IndexError(index)
        except (KeyError, ValueError, AttributeError, IndexError):
            self.errors["foreign_chat"] += 1
            return None
        if run_id != self.run_id or tag_kind != kind:
            counts["stale"] += 1
            return None
        return found

    def users_hint(self, users: int, groups: str = "") -> str:
        target = self.targets[0]
        return (
            f"run: chatapp-bench setup --target {target} --prefix {self.prefix} "
            f"--users {users}{groups}"
        )
