"""Connections, sans-I/O: each side's bytes in and out, and the dialect a connection speaks.

As in h11, the connection object holds no socket: the caller feeds it what it read and
writes what it returns. The server's side owns the dialect negotiation, so that no other
code decides in which form a message goes out.
"""

from __future__ import annotations

from .accounts import LoginAck
from .codec import decode_event, decode_request, encode, encode_request
from .codes import Dialect, Errno
from .errors import ProtocolError
from .events import Ack, Error, Event
from .framing import DEFAULT_MAX_FRAME, FrameSplitter
from .requests import Login, Logout, Register, Request

CEILING = 16 * 1024 * 1024
"""The longest frame a client accepts, whatever limit a server announces."""


class ServerConnection:
    """One client connection as the server sees it: frames in, requests out; events in,
    bytes out in the connection's dialect.

    A connection speaks the legacy dialect until a LOGIN succeeds in the dialect its `v`
    chooses. Before that, LOGIN and REG are answered in the dialect they ask for. The
    connection follows the replies it encodes: a successful LOGIN_ACK switches it, and
    the acknowledged LOGOUT ends the login (the dialect stays for what follows).
    """

    __slots__ = ("_logged_in", "_splitter", "dialect", "overflowed")

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self._splitter = FrameSplitter(max_frame)
        self.dialect = Dialect.LEGACY
        self._logged_in = False
        self.overflowed = False
        """A frame was longer than the limit: nothing more is read; answer with
        `too_large()` and close."""

    def receive(self, data: bytes) -> list[bytes]:
        """The frames `data` completes; see `overflowed` after each call."""
        frames = self._splitter.feed(data)
        self.overflowed = self._splitter.overflowed
        return frames

    def too_large(self) -> Error:
        """The error a connection gets before it is closed for an oversized frame."""
        limit = self._splitter.max_frame
        return Error(Errno.FRAME_TOO_LARGE, f"frame longer than {limit} bytes")

    request = staticmethod(decode_request)
    """The request in one frame; raises ProtocolError, which carries its answer."""

    def reply_dialect(self, request: Request) -> Dialect:
        """The dialect in which `request` is answered."""
        if not self._logged_in and isinstance(request, Login | Register) and request.v >= 2:
            return Dialect.V2
        return self.dialect

    def reply(self, request: Request, event: Event) -> bytes | None:
        """The answer to `request` as bytes, or None where its dialect expects none."""
        if isinstance(event, LoginAck) and isinstance(request, Login) and not event.errno:
            self._logged_in = True
            self.dialect = request.dialect
            return encode(event, self.dialect)
        if self._logged_in:
            if isinstance(event, Ack) and isinstance(request, Logout):
                self._logged_in = False
            return encode(event, self.dialect)
        return encode(event, self.reply_dialect(request))

    def push(self, event: Event) -> bytes | None:
        """An event the server sends of its own accord (a delivery, a notice, an error
        about the stream), in the connection's dialect; None where it expects none."""
        return encode(event, self.dialect)


class ClientConnection:
    """The client's side of a current-protocol connection: requests out as bytes, bytes
    in as events; a frame the client cannot read comes back as its ProtocolError.

    Frames may be `max_frame` long (LOGIN_FRAME by default) until a successful LOGIN_ACK,
    which raises the limit to the one it announces, up to `ceiling`.
    """

    __slots__ = ("_splitter", "max_frame", "overflowed")

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME, ceiling: int = CEILING) -> None:
        # The splitter holds frames up to the ceiling; each is held to the limit of its time.
        self._splitter = FrameSplitter(max(max_frame, ceiling))
        self.max_frame = max_frame
        self.overflowed = False
        """The server sent a frame longer than the limit: the stream cannot be trusted."""

    @staticmethod
    def send(request: Request) -> bytes:
        """The bytes that carry `request`."""
        return encode_request(request)

    def receive(self, data: bytes) -> list[Event | ProtocolError]:
        """The events that `data` completes, in order."""
        events: list[Event | ProtocolError] = []
        if self.overflowed:
            return events
        for frame in self._splitter.feed(data):
            if len(frame) > self.max_frame:
                self.overflowed = True
                return events
            try:
                event = decode_event(frame)
            except ProtocolError as exc:
                events.append(exc)
                continue
            if isinstance(event, LoginAck) and not event.errno and event.max_frame:
                self.max_frame = max(self.max_frame, min(event.max_frame, self._splitter.max_frame))
            events.append(event)
        self.overflowed = self._splitter.overflowed
        return events
