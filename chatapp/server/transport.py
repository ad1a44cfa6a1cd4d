"""FramedTransport: one TCP connection's bytes; frames queued with backpressure in, writes
cut off at the outbound limit out. The Session adds what the frames mean."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, cast

from chatapp.protocol import ServerConnection

if TYPE_CHECKING:
    from .budget import OutboundBudget
    from .config import Config


class FramedTransport(asyncio.Protocol):
    """Queues whole frames for `_work` and pauses reading while too many wait, so a
    flooding client cannot grow memory; a client that stops reading is cut off."""

    # Slots, and the frame queue and write-pause event made only when needed: an idle
    # connection is mostly this object, and servers hold tens of thousands.
    __slots__ = (
        "_budget", "_config", "_frames", "_loop", "_paused", "_transport", "_writable", "conn",
        "host", "last_heard", "peer", "unsent", "written",
    )  # fmt: skip

    def __init__(self, config: Config, budget: OutboundBudget) -> None:
        self._config = config
        self._budget = budget
        self.conn = ServerConnection(config.max_frame)
        self.peer = self.host = "?"
        self.last_heard = 0.0
        # Kept: asyncio.get_running_loop() makes a getpid() system call on Python 3.11,
        # which every frame read would pay for its time.
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._frames: deque[bytes] | None = None
        self._paused = False
        self._writable: asyncio.Event | None = None  # made when the transport first pauses
        self.written = 0  # bytes given to the transport: buffered, or handed to the kernel
        self.unsent = 0  # of those, still buffered just after the last write; -1 once closing

    @property
    def alive(self) -> bool:
        """The connection is open: what is sent now reaches the client unless it dies."""
        return self._transport is not None and not self._transport.is_closing()

    def _work(self) -> None:
        """Takes queued frames with `_next_frame` (the subclass's)."""
        raise NotImplementedError

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, but implement it.
        self._transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.host = str(peer[0]) if isinstance(peer, tuple) else self.peer
        self.last_heard = self._loop.time()

    def data_received(self, data: bytes) -> None:
        self.last_heard = self._loop.time()
        if frames := self.conn.receive(data):
            if self._frames is None:
                self._frames = deque(frames)
            else:
                self._frames.extend(frames)
        full = self.conn.overflowed or len(self._frames or ()) >= self._config.max_queued_frames
        if full and not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()
        self._work()

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = asyncio.Event()
        self._writable.clear()

    def resume_writing(self) -> None:
        if self._writable is not None:
            self._writable.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.resume_writing()  # whoever waits to write sees the connection is gone
        if self.unsent:  # the budget counts what it held
            self._budget.forget(self)
        self._frames = None
        self._transport = None

    def _next_frame(self) -> bytes | None:
        """The oldest queued frame, if any; reading resumes once half the queue is gone."""
        if not self._frames:
            return None
        frame = self._frames.popleft()
        if not self._frames:
            self._frames = None  # an idle connection keeps no queue
        if self._paused and len(self._frames or ()) < self._config.max_queued_frames // 2:
            self._read_again()
        return frame

    def _read_again(self) -> None:
        if self.alive and not self.conn.overflowed:
            self._paused = False
            cast(asyncio.Transport, self._transport).resume_reading()

    def _drop_frames(self) -> None:
        """Forgets what is queued: the connection is being closed."""
        self._frames = None

    def _write(self, data: bytes | None) -> None:
        transport = self._transport
        if data is None:
            return
        if transport is None or transport.is_closing():
            self.unsent = -1
            return
        transport.write(data)
        self.written += len(data)
        before, self.unsent = self.unsent, transport.get_write_buffer_size()
        if self.unsent or before > 0:  # only a connection that holds bytes costs more than this
            self._budget.note(self, self.unsent)

    def queued(self) -> int:
        """Bytes written and not yet taken by the kernel."""
        transport = self._transport
        return transport.get_write_buffer_size() if transport is not None else 0

    def abort(self) -> None:
        """Drops the connection at once, and what it has queued."""
        if self._transport is not None:
            self._transport.abort()

    def handed_over(self) -> int | None:
        """How many of the bytes `written` have been handed to the kernel, which sends them
        even after the connection is dropped; None once it is closing, when what was still
        buffered is no longer known."""
        transport = self._transport
        if transport is None or transport.is_closing():
            return None
        return self.written - transport.get_write_buffer_size()

    async def drained(self) -> None:
        """Returns once the client has read enough of what was written to take more."""
        if self._writable is not None:
            await self._writable.wait()

    def close(self) -> None:
        """Closes the connection once what was written is sent."""
        if self._transport is not None:
            self._transport.close()
