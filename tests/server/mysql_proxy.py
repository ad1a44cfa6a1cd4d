"""MySQLProxy: a TCP relay between chatapp-server and MariaDB, on loopback, that can let a
COMMIT through and lose its reply, so that the server cannot know whether it was saved."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

_QUERY = b"\x03"  # COM_QUERY: a packet's first byte, then the statement
_LOGGING = _QUERY + b"INSERT INTO messages"
_ENDS = (_QUERY + b"COMMIT", _QUERY + b"ROLLBACK")


class MySQLProxy:
    """Relays each connection to the MySQL server of `url`, packet by packet.

    Once `lose_next_commit` is set, the next COMMIT of a transaction that logged messages
    goes through; once the server has answered it (so the commit is done), both ends of
    that link are closed instead of passing the answer on, and `lost` is set.
    """

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 3306)
        self._url = parts
        self.lose_next_commit = False
        self.lost = asyncio.Event()
        self._links: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        """The URL of the same database through the proxy."""
        assert self._server is not None, "not started"
        port = self._server.sockets[0].getsockname()[1]
        credentials, _, _ = self._url.netloc.rpartition("@")
        netloc = f"{credentials}@127.0.0.1:{port}" if credentials else f"127.0.0.1:{port}"
        return self._url._replace(netloc=netloc).geturl()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accepted, "127.0.0.1", 0)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in list(self._links):
            link.cancel()
        await asyncio.gather(*self._links, return_exceptions=True)

    def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        link = asyncio.get_running_loop().create_task(self._relay(reader, writer))
        self._links.add(link)
        link.add_done_callback(self._links.discard)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        losing = asyncio.Event()  # this link's COMMIT is on its way: its answer is lost
        try:
            await asyncio.gather(
                self._requests(reader, up_writer, losing),
                self._answers(up_reader, writer, losing),
            )
        finally:
            for end in (writer, up_writer):
                end.close()
                with contextlib.suppress(OSError):
                    await end.wait_closed()

    async def _requests(
        self, reader: asyncio.StreamReader, up: asyncio.StreamWriter, losing: asyncio.Event
    ) -> None:
        """The client's packets, passed on whole; a COMMIT to lose is marked first."""
        pending = b""
        logging = False
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                pending += data
                while len(pending) >= 4:  # a packet: 3 bytes of length, 1 of sequence
                    size = 4 + int.from_bytes(pending[:3], "little")
                    if len(pending) < size:
                        break
                    packet, pending = pending[:size], pending[size:]
                    payload = packet[4:]
                    if payload.startswith(_LOGGING):
                        logging = True
                    elif payload in _ENDS:
                        if logging and payload == _ENDS[0] and self.lose_next_commit:
                            self.lose_next_commit = False
                            losing.set()
                        logging = False
                    up.write(packet)
        up.close()

    async def _answers(
        self, up: asyncio.StreamReader, writer: asyncio.StreamWriter, losing: asyncio.Event
    ) -> None:
        """The server's answers, passed on until one answers a COMMIT to lose."""
        with contextlib.suppress(OSError):
            while data := await up.read(65536):
                if losing.is_set():  # requests wait for their answers: this is the COMMIT's
                    self.lost.set()
                    break
                writer.write(data)
        writer.close()
