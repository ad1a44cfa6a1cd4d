"""RegistrationFlood: connections that register new accounts without pause, beside a scenario."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from chatapp.protocol import Errno

from .account import errno_of, register
from .conn import BenchConn, Json
from .fleet import Fleet
from .run import Run
from .stats import Latencies, rate


class RegistrationFlood:
    """`count` connections, each sending REG after REG, the next as soon as the last is
    answered, under names of this run's own; what they were answered is counted, and
    the time of each registration that succeeded."""

    KIND = "registration_flood"

    def __init__(self, run: Run) -> None:
        self.run = run
        self.latency = Latencies()
        self.refused: Counter[int] = Counter()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._started = 0.0

    @classmethod
    async def start(cls, run: Run, fleet: Fleet, count: int) -> RegistrationFlood:
        """Connects `count` connections (none: no flood), then sets them registering."""
        flood = cls(run)
        if count:
            run.progress.set_phase("connecting the registration flood")
        targets = run.targets
        conns = [await fleet.connect(targets[i % len(targets)]) for i in range(count)]
        loop = asyncio.get_running_loop()
        flood._started = time.monotonic()
        for index, conn in enumerate(conns):
            if conn is not None:
                flood._tasks.append(loop.create_task(flood._register(index, conn)))
        return flood

    async def stop(self) -> dict[str, Json]:
        """Stops registering (each connection after its reply in flight); its figures as
        a kind of the result, if there was a flood."""
        self._stopping = True
        if not self._tasks:
            return {}
        await asyncio.gather(*self._tasks)
        seconds = time.monotonic() - self._started
        busy, locked = self.refused.pop(Errno.BUSY, 0), self.refused.pop(Errno.REGISTER_LOCKED, 0)
        return {
            self.KIND: {
                "count": len(self.latency),
                "per_s": rate(len(self.latency), seconds),
                "latency_ms": self.latency.summary(),
                "connections": len(self._tasks),
                "refused_busy": busy,
                "refused_locked": locked,
                "failed": sum(self.refused.values()),
            }
        }

    async def _register(self, index: int, conn: BenchConn) -> None:
        run = self.run
        number = 0
        while not self._stopping and not conn.lost:
            number += 1
            name = f"{run.prefix}r{run.run_id[:6]}.{index}.{number}"
            started = time.monotonic_ns()
            errno = errno_of(await register(conn, name, run.password, run.timeout))
            if errno == 0:
                self.latency.add_ns(time.monotonic_ns() - started)
            elif errno is None:
                run.errors["registration_timeout"] += 1
                return
            else:
                self.refused[errno] += 1
