"""Proxy: a TCP relay in front of a real server, to lose replies and cut links on purpose."""

from __future__ import annotations

import asyncio
import contextlib


class Proxy:
    """Relays each client connection to the server at `upstream` on loopback.

    While `hold_replies` is set, what the server sends is dropped (an ACK lost on the way);
    while `down` is set, new connections are closed at once; `cut` closes every link.
    """

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.hold_replies = False
        self.down = False
        self.port = 0
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def cut(self) -> None:
        """Closes every relayed link at both ends, as a network failure would."""
        for writer in self._writers:
            writer.close()
        self._writers.clear()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
        self._writers += [writer, up_writer]
        await asyncio.gather(
            self._pump(reader, up_writer, replies=False),
            self._pump(up_reader, writer, replies=True),
        )

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, replies: bool
    ) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                if not (replies and self.hold_replies):
                    writer.write(data)
        writer.close()
