"""Wire: one open TCP link to the server; requests out as frames, decoded events in."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from chatapp.protocol import ClientConnection, Event, ProtocolError, Request

from .errors import ClientError, Disconnected, RequestTimeout

log = logging.getLogger(__name__)

Opener = Callable[[str, int], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]


class Wire:
    """Reads in a task of its own: each event goes to `on_event`, `on_burst` follows each
    read, and `on_end` hears once why the link ended (unless `close` ended it)."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        on_event: Callable[[Event], None],
        on_burst: Callable[[], None],
        on_end: Callable[[Wire, str], None],
        clock: Callable[[], float],
    ) -> None:
        self._writer = writer
        self._on_event = on_event
        self._on_burst = on_burst
        self._on_end = on_end
        self._clock = clock
        self.last_heard = clock()
        self._reader = asyncio.create_task(self._read(reader))
        self._heartbeat: asyncio.Task[None] | None = None

    @classmethod
    async def open(
        cls,
        opener: Opener,
        host: str,
        port: int,
        seconds: float,
        *,
        on_event: Callable[[Event], None],
        on_burst: Callable[[], None],
        on_end: Callable[[Wire, str], None],
        clock: Callable[[], float],
    ) -> Wire:
        """Connects; raises Disconnected if the server cannot be reached within `seconds`."""
        try:
            reader, writer = await asyncio.wait_for(opener(host, port), seconds)
        except (OSError, TimeoutError) as exc:
            raise Disconnected(f"cannot reach {host}:{port}: {exc}") from exc
        return cls(reader, writer, on_event=on_event, on_burst=on_burst, on_end=on_end, clock=clock)

    @property
    def ended(self) -> asyncio.Future[None]:
        """Done once the link has ended, whoever ended it."""
        return self._reader

    @property
    def writable(self) -> bool:
        return not self._writer.is_closing()

    def send(self, request: Request) -> None:
        """Writes one request; raises Disconnected once the link is closing."""
        if self._writer.is_closing():
            raise Disconnected("not connected")
        self._writer.write(ClientConnection.send(request))

    def close(self) -> None:
        """Ends the link without a word to `on_end`: the caller knows why."""
        self.unwatch()
        if self._reader is not asyncio.current_task():
            self._reader.cancel()
        self._writer.close()

    def watch(self, interval: float, ping: Callable[[], Awaitable[object]]) -> None:
        """Calls `ping` after `interval` seconds of silence; if it times out, the link ends."""
        self.unwatch()
        self._heartbeat = asyncio.create_task(self._beat(interval, ping))

    def unwatch(self) -> None:
        """Stops pinging (after logout: the server may close an idle link then)."""
        task, self._heartbeat = self._heartbeat, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _beat(self, interval: float, ping: Callable[[], Awaitable[object]]) -> None:
        while True:
            # A real sleep: the injected one paces reconnection, which tests fast-forward.
            await asyncio.sleep(max(0.0, self.last_heard + interval - self._clock()))
            if self._clock() - self.last_heard < interval:
                continue
            try:
                await ping()
            except RequestTimeout:
                log.warning("no PONG in time; dropping the connection")
                self._on_end(self, "no answer to PING")
                return
            except ClientError:
                return

    async def _read(self, reader: asyncio.StreamReader) -> None:
        conn = ClientConnection()
        reason = "the server closed the connection"
        try:
            while data := await reader.read(65536):
                self.last_heard = self._clock()
                for event in conn.receive(data):
                    if isinstance(event, ProtocolError):
                        log.warning("ignoring a frame the client cannot read: %s", event)
                    else:
                        self._on_event(event)
                if conn.overflowed:
                    reason = "the server sent an oversized frame"
                    break
                self._on_burst()
        except OSError as exc:
            reason = f"connection lost: {exc}"
        self._on_end(self, reason)
