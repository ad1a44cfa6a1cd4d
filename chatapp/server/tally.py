"""Tally: what the hot paths count, as plain numbers that the metrics read at scrape time."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter

# Upper bounds of the buckets, Prometheus's `le`: seconds of a commit or a publish, and
# messages in a batch of the log (at most the journal's batch, 256).
SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class Histogram:
    """Observations counted in buckets by their upper bound, and their sum: an observation
    costs a bisection and two additions, no lock and no label lookup."""

    __slots__ = ("bounds", "counts", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last holds those above every bound
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value

    def buckets(self) -> list[tuple[str, int]]:
        """The cumulative counts by upper bound, ending with +Inf (every observation)."""
        total, result = 0, []
        for bound, count in zip((*map(str, self.bounds), "+Inf"), self.counts, strict=True):
            total += count
            result.append((bound, total))
        return result


class Tally:
    """The requests a server handled and refused, and its logins; the journal, the fanout
    and the bus keep their own counts beside their work."""

    __slots__ = ("logins", "refusals", "requests")

    def __init__(self) -> None:
        self.requests: Counter[int] = Counter()  # by msgid
        self.refusals: Counter[tuple[int, int]] = Counter()  # by msgid and errno
        self.logins = 0  # that succeeded: the failures are LOGIN's refusals

    def refused(self, msgid: int | None, errno: int) -> None:
        """A request was refused (0: a frame that named no msgid it could be read as)."""
        self.refusals[(int(msgid or 0), int(errno))] += 1
