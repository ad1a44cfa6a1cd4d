"""ChatError: a request refused for a reason the client should hear, with its errno."""

from chatapp.protocol import Errno


class ChatError(Exception):
    """Raised by a handler; the session turns it into the request's error reply."""

    def __init__(self, errno: Errno, errmsg: str) -> None:
        super().__init__(errmsg)
        self.errno = errno
        self.errmsg = errmsg
