"""Receipts: which delivery sequence numbers the client holds, and what it may acknowledge."""

from __future__ import annotations


class Receipts:
    """Every delivery up to `floor` is held, and those numbered in `above`.

    `floor` is None until the first numbered delivery: a login without `last` resumes after
    the server's acknowledged cursor, which the LOGIN_ACK does not name, so the first number
    seen is taken to follow it directly.
    """

    __slots__ = ("_above", "acked", "floor")

    def __init__(self, floor: int | None = None) -> None:
        self.floor = floor
        self.acked = floor or 0
        self._above: set[int] = set()

    def take(self, seq: int) -> bool:
        """Records delivery `seq`; False if it was held already (a copy to drop)."""
        if self.floor is None:
            # Nothing below was seen here, so nothing below may be acknowledged either.
            self.floor = self.acked = seq - 1
        if seq <= self.floor or seq in self._above:
            return False
        if seq != self.floor + 1:
            self._above.add(seq)
            return True
        self.floor = seq
        while self.floor + 1 in self._above:
            self.floor += 1
            self._above.discard(self.floor)
        return True

    @property
    def gap(self) -> bool:
        """True while a number below one already held is missing."""
        return bool(self._above)

    def due(self) -> int | None:
        """The number to acknowledge now, if the floor rose since the last acknowledgement."""
        if self.floor is not None and self.floor > self.acked:
            return self.floor
        return None
