"""Report: a warning that may come thousands of times a second, logged once per interval."""

from __future__ import annotations

import asyncio
import logging
import math

from .logs import shared

# Seconds between two lines of one report.
INTERVAL = 10.0


class Report:
    """The first occurrence is logged at once; the others of the next `interval` seconds
    are counted and summed up in one line when it ends, with the last one's detail. A
    flood of refusals costs a line every interval, and none of it goes unsaid."""

    __slots__ = ("_count", "_last", "_log", "_quiet_until", "_timer", "interval", "what")

    def __init__(self, log: logging.Logger, what: str, interval: float = INTERVAL) -> None:
        self.what = what
        self.interval = interval
        self._log = log
        self._count = 0
        self._last = ""
        self._quiet_until = -math.inf
        self._timer: asyncio.TimerHandle | None = None

    def __call__(self, detail: str) -> None:
        """Reports one occurrence, `detail` saying what was special about it."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if now >= self._quiet_until and self._timer is None:
            self._log.warning("%s: %s", self.what, detail)
            self._quiet_until = now + self.interval
            return
        self._count += 1
        self._last = detail
        if self._timer is None:
            # The summary counts everyone's: it is no one connection's line.
            self._timer = loop.call_at(self._quiet_until, self._sum_up, context=shared())

    def _sum_up(self) -> None:
        self._timer = None
        count, self._count = self._count, 0
        what, every, last = self.what, self.interval, self._last
        self._log.warning("%s: %d more in the last %g s, the last: %s", what, count, every, last)
        self._quiet_until = asyncio.get_running_loop().time() + self.interval

    def close(self) -> None:
        """Sums up what is counted now, as the server stops."""
        if self._timer is not None:
            self._timer.cancel()
            self._sum_up()
