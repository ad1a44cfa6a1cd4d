"""OutboundBudget: the bytes queued to clients, per connection and in all; who is dropped."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .logs import about
from .reports import Report

if TYPE_CHECKING:
    from .transport import FramedTransport

log = logging.getLogger(__name__)

_MIB = 1024 * 1024


class OutboundBudget:
    """What connections have queued to write, against one connection's limit and the
    server-wide total's: past the first the connection is dropped, past the second the
    connections holding the most, until the total is back within it. The messages of a
    dropped connection stay in the log for its next login.

    The total moves by the change each write makes to its connection's buffer, read just
    after the write (where the per-connection limit reads it anyway). A write the kernel
    takes at once, the usual case, leaves nothing queued and costs nothing more; only the
    connections holding bytes are tracked. A buffer that drains between writes is not
    seen shrinking, so the total is an upper bound: before anyone is dropped for it, the
    holders' buffers are read afresh.
    """

    def __init__(self, per_connection: int, total: int) -> None:
        self.per_connection = per_connection
        self.limit = total
        self.total = 0
        self._holders: dict[FramedTransport, int] = {}  # what each is counted as holding
        self._report = Report(
            log,
            f"outbound budget of {total / _MIB:g} MiB exceeded: dropped the connection holding "
            "the most (its messages stay in the log)",
        )

    def note(self, conn: FramedTransport, size: int) -> None:
        """`conn` holds `size` bytes just after a write."""
        self._hold(conn, size)
        if size > self.per_connection:
            with about(conn):  # written to by another's chat, maybe
                log.warning("not reading, outbound limit reached: disconnecting")
            self._drop(conn)
        elif 0 < self.limit < self.total:
            self._enforce()

    def forget(self, conn: FramedTransport) -> None:
        """`conn` is closed: what it held is freed."""
        self._hold(conn, 0)

    def _enforce(self) -> None:
        for conn in list(self._holders):  # what drained since their last write is gone
            self._hold(conn, conn.queued())
        for conn, held in sorted(self._holders.items(), key=_held, reverse=True):
            if self.total <= self.limit:
                break
            with about(conn):
                self._report(f"{conn.peer} held {held / _MIB:.1f} MiB")
            self._drop(conn)

    def _hold(self, conn: FramedTransport, size: int) -> None:
        self.total += size - self._holders.pop(conn, 0)
        if size:
            self._holders[conn] = size

    def _drop(self, conn: FramedTransport) -> None:
        conn.abort()
        self.forget(conn)

    def close(self) -> None:
        self._report.close()


def _held(holder: tuple[FramedTransport, int]) -> int:
    return holder[1]
