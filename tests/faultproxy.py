"""FaultProxy: a TCP relay for tests that fails on purpose, in front of one server or as the
load balancer of several.

Each new connection goes to the next server in turn that accepts within the connect
timeout. Per server, what passes can be delayed (each chunk, each way), the server's
replies dropped (read and thrown away, the connection kept), and the connections open now
left half-open: nothing passes either way and nothing is closed, as when the far end
vanished without a word; `thaw` lets them flow again.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from dataclasses import dataclass, field

QUEUED = 256  # chunks a delayed direction holds before its reader waits


@dataclass
class Faults:
    """What happens to the connections of one server."""

    delay: float = 0.0
    drop_replies: bool = False
    blackhole: bool = False  # new connections are accepted, and nothing passes


@dataclass(eq=False)
class Link:
    """One relayed connection: its server, both ends, and whether anything passes."""

    upstream: int
    writers: list[asyncio.StreamWriter]
    flowing: asyncio.Event = field(default_factory=asyncio.Event)


class FaultProxy:
    """Relays 127.0.0.1:port to `upstreams` ((host, port) each), failing as told."""

    def __init__(self, upstreams: list[tuple[str, int]], *, connect_timeout: float = 1.0) -> None:
        self.upstreams = upstreams
        self.connect_timeout = connect_timeout
        self.faults = [Faults() for _ in upstreams]
        self.links: set[Link] = set()
        self.accepted = [0] * len(upstreams)  # connections relayed to each, in all
        self.port = 0
        self._turn = itertools.cycle(range(len(upstreams)))
        self._server: asyncio.Server | None = None
        self._relays: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in list(self.links):
            self._close(link)
        if self._relays:  # closed at both ends, each relay ends by itself
            await asyncio.wait(set(self._relays), timeout=5)
        if self._server is not None:
            await self._server.wait_closed()

    # --- faults --------------------------------------------------------------------

    def half_open(self, upstream: int) -> int:
        """Stops every connection to `upstream` open now, without closing any; how many."""
        frozen = [link for link in self.links if link.upstream == upstream]
        for link in frozen:
            link.flowing.clear()
        return len(frozen)

    def partition(self, upstream: int) -> None:
        """Nothing reaches `upstream` any more, old connections or new, until `heal` (new
        ones flow then) and `thaw` (old ones too)."""
        self.faults[upstream].blackhole = True
        self.half_open(upstream)

    def thaw(self) -> None:
        """What was left half-open (or fell into a black hole) flows again."""
        for link in self.links:
            link.flowing.set()

    def heal(self) -> None:
        """No more delay, dropped replies or black hole (half-open connections stay as
        they are)."""
        self.faults = [Faults() for _ in self.upstreams]

    def open_to(self, upstream: int) -> int:
        return sum(1 for link in self.links if link.upstream == upstream)

    # --- relaying ------------------------------------------------------------------

    async def _connect(self) -> tuple[int, asyncio.StreamReader, asyncio.StreamWriter] | None:
        for _ in self.upstreams:
            index = next(self._turn)
            host, port = self.upstreams[index]
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(self.connect_timeout):
                    reader, writer = await asyncio.open_connection(host, port)
                return index, reader, writer
        return None

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._relays.add(task)
        task.add_done_callback(self._relays.discard)
        connected = await self._connect()
        if connected is None:
            writer.close()
            return
        index, up_reader, up_writer = connected
        self.accepted[index] += 1
        link = Link(index, [writer, up_writer])
        if not self.faults[index].blackhole:
            link.flowing.set()
        self.links.add(link)
        try:
            await asyncio.gather(
                self._pump(link, reader, up_writer, replies=False),
                self._pump(link, up_reader, writer, replies=True),
            )
        finally:
            self._close(link)

    def _close(self, link: Link) -> None:
        self.links.discard(link)
        link.flowing.set()
        for writer in link.writers:
            writer.close()

    async def _pump(
        self,
        link: Link,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        replies: bool,
    ) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue(QUEUED)
        sender = asyncio.create_task(self._send(link, queue, writer))
        try:
            with contextlib.suppress(OSError):
                while True:
                    await link.flowing.wait()
                    data = await reader.read(65536)
                    if not data or link not in self.links:
                        break
                    await link.flowing.wait()  # read before it froze: held, not lost
                    faults = self.faults[link.upstream]
                    if replies and faults.drop_replies:
                        continue
                    await queue.put((time.monotonic() + faults.delay, data))
        finally:
            await queue.put((0.0, b""))
            with contextlib.suppress(OSError):
                await sender
            writer.close()

    async def _send(
        self, link: Link, queue: asyncio.Queue[tuple[float, bytes]], writer: asyncio.StreamWriter
    ) -> None:
        while True:
            due, data = await queue.get()
            if not data:
                return
            if (wait := due - time.monotonic()) > 0:
                await asyncio.sleep(wait)  # the delay asked for: what a slow path does
            await link.flowing.wait()
            writer.write(data)
            await writer.drain()
