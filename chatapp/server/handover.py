"""Handover: a legacy client's deliveries count as delivered once they have left the server."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Protocol

FIRST_LOOK = 0.05
"""Seconds until a backed-up connection's buffer is looked at again; doubled while nothing
leaves it, up to LAST_LOOK, so that a client that stopped reading costs little."""
LAST_LOOK = 2.0


class Outgoing(Protocol):
    """What a Handover reads of its connection (a FramedTransport)."""

    written: int
    unsent: int

    def handed_over(self) -> int | None: ...


class Handover:
    """Acknowledges for a legacy client, which cannot, what it was sent once the bytes
    have been handed to the kernel: the kernel sends them even after the connection is
    dropped. What was still in the server's buffer when the connection closed is never
    acknowledged, so it stays in the log for the next login.

    Each write of deliveries leaves a mark: where in the stream it ended, and the number up
    to which everything was sent by then. Marks are settled after each write, when the
    transport takes more after a pause, and on a timer while any wait.
    """

    __slots__ = ("_ack", "_delay", "_marks", "_timer", "_transport", "_user_id")

    def __init__(self, transport: Outgoing, ack: Callable[[int, int], None], user_id: int) -> None:
        self._transport = transport
        self._ack = ack  # Journal.ack: (user id, seq)
        self._user_id = user_id
        self._marks: deque[tuple[int, int]] = deque()  # (end of the write, floor it sent)
        self._timer: asyncio.TimerHandle | None = None
        self._delay = FIRST_LOOK

    def written(self, floor: int) -> None:
        """Everything up to `floor` has been written; it counts once it has left."""
        transport = self._transport
        if transport.unsent == 0:  # the kernel took the last write whole, and all before
            if self._marks:
                self._marks.clear()
            self._ack(self._user_id, floor)
            return
        if transport.handed_over() is None:
            return  # closing: what was just written may never leave
        self._marks.append((transport.written, floor))
        self.settle()

    def settle(self) -> None:
        """Acknowledges what has left since the last look; looks again later while
        anything is still buffered."""
        handed = self._transport.handed_over()
        marks = self._marks
        if handed is None or not marks:
            return
        floor = 0
        while marks and marks[0][0] <= handed:
            floor = marks.popleft()[1]
        if floor:
            self._ack(self._user_id, floor)
            self._delay = FIRST_LOOK
        if marks and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._delay, self._look)

    def _look(self) -> None:
        self._timer = None
        self._delay = min(self._delay * 2, LAST_LOOK)
        self.settle()

    def close(self) -> None:
        """The user left: what has left by now counts; nothing written later does."""
        self.settle()
        self._marks.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
