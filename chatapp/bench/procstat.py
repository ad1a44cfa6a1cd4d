"""CPU and memory of processes from /proc and getrusage: the bench's own and the servers'."""

from __future__ import annotations

import os
import resource
import time
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU of a process (all its threads), or None if it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            # The command name may hold spaces and parentheses: split after the last ')'.
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return None


def rss_kib(pid: int) -> int | None:
    """Resident memory of a process in KiB (VmRSS), or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return None


def own_cpu() -> tuple[float, float]:
    """This process's user and system CPU seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


def machine_busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy (not idle, not waiting) since boot."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS


class CpuWindow:
    """CPU used over a measured window by the bench, the given servers and the machine.

    The bench shares the machine with the servers, so its own CPU is always reported: a
    throughput figure means little if the generator was the bottleneck.
    """

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self._t0 = time.monotonic()
        self._own0 = own_cpu()
        self._servers0: dict[int, float | None] = {}
        self._machine0: float | None = None

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._own0 = own_cpu()
        self._servers0 = {pid: cpu_seconds(pid) for pid in self.pids}
        self._machine0 = machine_busy_seconds()

    def stop(self) -> dict[str, Any]:
        wall = time.monotonic() - self._t0
        user1, sys1 = own_cpu()
        user, system = user1 - self._own0[0], sys1 - self._own0[1]
        out: dict[str, Any] = {
            "wall_s": round(wall, 3),
            "bench_cpu_s": round(user + system, 3),
            "bench_user_s": round(user, 3),
            "bench_sys_s": round(system, 3),
            "bench_cores": round((user + system) / wall, 3) if wall > 0 else None,
        }
        servers_total = 0.0
        if self.pids:
            servers: dict[str, float | None] = {}
            for pid in self.pids:
                before, after = self._servers0.get(pid), cpu_seconds(pid)
                used = None if before is None or after is None else round(after - before, 3)
                servers[str(pid)] = used
                servers_total += used or 0.0
            out["server_cpu_s"] = servers
            out["server_cpu_total_s"] = round(servers_total, 3)
            out["server_cores"] = round(servers_total / wall, 3) if wall > 0 else None
        machine1 = machine_busy_seconds()
        if self._machine0 is not None and machine1 is not None and wall > 0:
            busy = machine1 - self._machine0
            out["machine_busy_cores"] = round(busy / wall, 3)
            # What neither the bench nor the named servers used: noise from elsewhere.
            out["other_cores"] = round(max(0.0, busy - user - system - servers_total) / wall, 3)
        return out


def add_per_message(cpu: dict[str, Any], delivered: int) -> None:
    """CPU per delivered message in microseconds, the fair comparison between servers."""
    if delivered <= 0:
        return
    if "server_cpu_total_s" in cpu:
        cpu["server_cpu_per_msg_us"] = round(cpu["server_cpu_total_s"] / delivered * 1e6, 2)
    cpu["bench_cpu_per_msg_us"] = round(cpu["bench_cpu_s"] / delivered * 1e6, 2)


def memory(pids: list[int]) -> dict[str, int | None]:
    """Each server's resident memory now, in KiB."""
    return {str(pid): rss_kib(pid) for pid in pids}
