"""WireClient: a raw-socket test client that speaks either dialect byte for byte.

Tests write what they like, malformed frames included, and read plain JSON objects so
that they can assert the exact wire form. Every frame a current-protocol WireClient reads
also goes through the client side of the shared protocol driver
(`chatapp.protocol.ClientConnection`, which chatapp-client reads with), so the suite fails
on anything the server sends that the real client could not read; and every frame, in
either dialect, must be within the server's --max-frame (the login ack within LOGIN_FRAME
too), so the suite fails on any reply that outgrows it.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson

from chatapp.protocol import (
    DEFAULT_MAX_FRAME,
    LOGIN_FRAME,
    ClientConnection,
    FrameSplitter,
    MsgId,
    ProtocolError,
)

TIMEOUT = 5.0


class WireClient:
    """Writes frames as given and reads the server's newline-ended JSON objects.

    `legacy=True` ends each request with NUL like the original console client.
    """

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        legacy: bool,
        max_frame: int = DEFAULT_MAX_FRAME,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.legacy = legacy
        self.max_frame = max_frame
        """The server's --max-frame: no frame it sends may be longer."""
        self.raw_frames: list[bytes] = []
        self._splitter = FrameSplitter(max_frame=1 << 24)
        # As chatapp-client reads: frames up to LOGIN_FRAME, then what the login ack says.
        self._driver = ClientConnection()
        self._ready: list[dict[str, Any]] = []
        self._rid = 0

    @classmethod
    async def connect(
        cls, port: int, *, legacy: bool = False, max_frame: int = DEFAULT_MAX_FRAME
    ) -> WireClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, legacy=legacy, max_frame=max_frame)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()

    def next_rid(self) -> int:
        self._rid += 1
        return self._rid

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def send(self, **obj: Any) -> None:
        """Sends one request object, ended as this client's dialect ends frames."""
        end = b"\0" if self.legacy else b"\n"
        await self.send_raw(orjson.dumps(obj) + end)

    async def _fill(self) -> None:
        data = await self.reader.read(65536)
        if not data:
            raise ConnectionError("server closed the connection")
        for frame in self._splitter.feed(data):
            self.raw_frames.append(frame)
            assert len(frame) <= self.max_frame, f"a frame of {len(frame)} bytes: {frame[:200]!r}"
            obj = orjson.loads(frame)
            assert isinstance(obj, dict)
            if obj.get("msgid") == MsgId.LOGIN_ACK:
                assert len(frame) <= LOGIN_FRAME, f"a login ack of {len(frame)} bytes"
            if not self.legacy:
                (event,) = self._driver.receive(frame + b"\n")
                assert not isinstance(event, ProtocolError), f"unreadable: {frame!r}: {event}"
            self._ready.append(obj)

    async def recv(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next object from the server; fails the test if none comes in time."""
        async with asyncio.timeout(timeout):
            while not self._ready:
                await self._fill()
        return self._ready.pop(0)

    async def reply_to(self, rid: object, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The reply carrying `rid`; pushed events read meanwhile stay queued for recv."""
        async with asyncio.timeout(timeout):
            while True:
                for index, obj in enumerate(self._ready):
                    if obj.get("rid") == rid:
                        return self._ready.pop(index)
                await self._fill()

    async def expect(self, msgid: int, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next object, which must have this msgid."""
        obj = await self.recv(timeout)
        assert obj.get("msgid") == msgid, f"expected msgid {msgid}, got {obj}"
        return obj

    async def request(self, **obj: Any) -> dict[str, Any]:
        """Sends a current-protocol request with a fresh rid and returns its reply.

        Pushed events that arrive first are kept, in order, for `recv`.
        """
        rid = self.next_rid()
        await self.send(rid=rid, **obj)
        return await self.reply_to(rid)

    async def quiet(self) -> None:
        """Asserts that nothing is pending: a PING's PONG must be the very next object.

        The server answers in order, so this proves a request got no reply without
        sleeping.
        """
        await self.send(msgid=MsgId.PING, rid="quiet")
        obj = await self.recv()
        assert obj == {"msgid": MsgId.PONG, "rid": "quiet"}, f"unexpected {obj}"
        assert not self._ready, f"unexpected {self._ready}"

    async def closed(self, timeout: float = TIMEOUT) -> bool:
        """True once the server has closed the connection (reads to EOF)."""
        async with asyncio.timeout(timeout):
            while await self.reader.read(65536):
                pass
        return True
