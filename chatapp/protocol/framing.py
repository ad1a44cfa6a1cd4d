"""FrameSplitter: cuts a byte stream into frames that end at a newline or a NUL byte."""

DEFAULT_MAX_FRAME = 64 * 1024


class FrameSplitter:
    """Turns TCP reads of any size into whole frames, holding back the unfinished tail.

    JSON text never contains a raw newline or NUL, so either byte can end a frame: the
    legacy console client ends each request with NUL, current clients with a newline.
    Blank frames (for example the newline after a NUL) are skipped.
    """

    __slots__ = ("_tail", "max_frame", "overflowed")

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self.max_frame = max_frame
        self.overflowed = False
        self._tail = b""

    def feed(self, data: bytes) -> list[bytes]:
        """Returns the frames that `data` completes, in order.

        When a frame is longer than `max_frame`, the frames before it are returned,
        `overflowed` becomes true and the splitter accepts nothing more: the stream
        can no longer be trusted, so its owner should close it.
        """
        if self.overflowed:
            return []
        if b"\0" in data:
            data = data.replace(b"\0", b"\n")
        if self._tail:
            data = self._tail + data
        parts = data.split(b"\n")
        tail = parts.pop()
        frames: list[bytes] = []
        for part in parts:
            if len(part) > self.max_frame:
                self._overflow()
                return frames
            if part and not part.isspace():
                frames.append(part)
        if len(tail) > self.max_frame:
            self._overflow()
        else:
            self._tail = tail
        return frames

    @property
    def pending(self) -> int:
        """How many bytes of an unfinished frame are held."""
        return len(self._tail)

    def _overflow(self) -> None:
        self.overflowed = True
        self._tail = b""
