"""Message ids, unique and time-ordered, made without a database round trip; and the
stamps of a new message."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

EPOCH_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
_SEQ_BITS = 6
_NODE_BITS = 6


class MessageIds:
    """Snowflake-style ids: milliseconds since 2024, a node number per process, a sequence.

    41 bits of milliseconds (until 2093) and 12 more keep every id below 2**53, so it
    survives JSON parsers that read numbers as doubles. Ids from one process strictly
    increase: a burst of more than 64 in a millisecond borrows from the next ones.
    """

    def __init__(self, clock_ms: Callable[[], int], node: int | None = None) -> None:
        self._clock_ms = clock_ms
        self._node = secrets.randbelow(1 << _NODE_BITS) if node is None else node
        self._last = 0

    def next(self) -> int:
        elapsed = self._clock_ms() - EPOCH_MS
        candidate = (elapsed << (_NODE_BITS + _SEQ_BITS)) | (self._node << _SEQ_BITS)
        # Within one millisecond, or if the clock steps back, keep counting upwards.
        self._last = max(candidate, self._last + 1)
        return self._last


class Stamps:
    """What a new message is stamped with: the server's local time as text, its id, and
    the time in epoch milliseconds."""

    def __init__(self, clock: Callable[[], float], node: int | None = None) -> None:
        self._clock = clock
        self._ids = MessageIds(lambda: int(clock() * 1000), node)
        self._second = -1
        self._text = ""

    def next(self) -> tuple[str, int, int]:
        """Local `YYYY-MM-DD HH:MM:SS`, a new id, epoch ms."""
        now = self._clock()
        second = int(now)
        if second != self._second:  # formatting costs more than the rest: once a second
            self._second = second
            self._text = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        return self._text, self._ids.next(), int(now * 1000)
