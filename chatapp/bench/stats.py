"""Latency samples and their percentiles, and counts per second of a running load."""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence

Summary = dict[str, float | int]

QUANTILES = (("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p999", 99.9))


def percentile(ascending: Sequence[float], q: float) -> float:
    """The nearest-rank percentile: a value that was actually measured, never an average."""
    if not ascending:
        raise ValueError("no samples")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile {q} is outside 0..100")
    rank = math.ceil(q / 100.0 * len(ascending))
    return ascending[min(max(rank, 1), len(ascending)) - 1]


def summarize(values_ms: Sequence[float]) -> Summary:
    """Count, mean, percentiles and maximum of latencies in milliseconds."""
    if not values_ms:
        return {"n": 0}
    ordered = sorted(values_ms)
    out: Summary = {"n": len(ordered), "mean": round(math.fsum(ordered) / len(ordered), 3)}
    for name, q in QUANTILES:
        out[name] = round(percentile(ordered, q), 3)
    out["max"] = round(ordered[-1], 3)
    return out


class Latencies:
    """Latencies in milliseconds; an array of doubles keeps a million samples at 8 MB."""

    __slots__ = ("_ms",)

    def __init__(self) -> None:
        self._ms = array("d")

    def add_ns(self, elapsed_ns: int) -> None:
        self._ms.append(elapsed_ns * 1e-6)

    def add_ms(self, elapsed_ms: float) -> None:
        self._ms.append(elapsed_ms)

    def __len__(self) -> int:
        return len(self._ms)

    def summary(self) -> Summary:
        return summarize(self._ms)

    def summary_since(self, start: int) -> Summary:
        """The summary of the samples from index `start` on: one window of a run."""
        return summarize(self._ms[start:])

    def recent_p99(self, start: int) -> str:
        """The p99 of the samples from index `start` on, for a progress display."""
        recent = self._ms[start:]
        return f"{percentile(sorted(recent), 99.0):.2f}" if recent else "-"


class Timeline:
    """How much a counter grew in each second of the run, for spotting stalls and warm-up."""

    __slots__ = ("_last", "per_second")

    def __init__(self) -> None:
        self._last = 0
        self.per_second: list[int] = []

    def sample(self, total: int) -> None:
        """Called once a second with the counter's running total."""
        self.per_second.append(total - self._last)
        self._last = total


def rate(count: int, seconds: float) -> float:
    """Events per second, rounded for reading."""
    return round(count / seconds, 1) if seconds > 0 else 0.0
