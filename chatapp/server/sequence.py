"""SentSequence: which delivery sequence numbers a session has sent its user."""

from __future__ import annotations


class SentSequence:
    """Everything up to `floor` was sent, and the numbers in `above`.

    Deliveries can arrive out of order (two instances publish to one user) and twice
    (published live while the login read them from the log): a number already sent is
    not sent again, and the floor rises only over numbers without gaps, so acknowledging
    the floor never skips a message that is still on its way.
    """

    __slots__ = ("_above", "floor", "top")

    def __init__(self, floor: int = 0) -> None:
        self.floor = floor
        self.top = floor
        """The highest number sent (or the floor started from)."""
        self._above: set[int] | None = None  # made at the first gap: usually never

    def restart(self, floor: int) -> None:
        """Starts over above `floor` (at login)."""
        self.floor = self.top = floor
        self._above = None

    def add(self, seq: int) -> bool:
        """Records `seq` as sent; False if it was sent already."""
        above = self._above
        if seq <= self.floor or (above is not None and seq in above):
            return False
        self.top = max(self.top, seq)
        if seq != self.floor + 1:
            if above is None:
                above = self._above = set()
            above.add(seq)
            return True
        self.floor = seq
        while above and self.floor + 1 in above:
            self.floor += 1
            above.discard(self.floor)
        return True
