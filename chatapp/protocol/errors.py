"""ProtocolError: a frame that cannot be turned into a typed message."""

from .codes import Errno

Rid = int | str | None
"""A client-chosen request id, echoed in the reply (current protocol)."""


class ProtocolError(Exception):
    """A frame that is not a valid message; carries what is needed to answer it."""

    def __init__(
        self, errno: Errno, errmsg: str, *, msgid: int | None = None, rid: Rid = None
    ) -> None:
        super().__init__(errmsg)
        self.errno = errno
        self.errmsg = errmsg
        self.msgid = msgid
        self.rid = rid
