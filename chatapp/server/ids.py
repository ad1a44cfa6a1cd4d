"""MessageIds: unique, time-ordered message ids made without a database round trip."""

from __future__ import annotations

import secrets
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
