"""ChatError: a request refused for a reason the client should hear, with its errno; and
what any other failure of a request becomes."""

import logging

from chatapp.protocol import Errno, MsgId

from .bus import BusUnavailable
from .storage import StorageUnavailable

log = logging.getLogger(__name__)


class ChatError(Exception):
    """Raised by a handler; the session turns it into the request's error reply."""

    def __init__(self, errno: Errno, errmsg: str) -> None:
        super().__init__(errmsg)
        self.errno = errno
        self.errmsg = errmsg


def failure(peer: str, msgid: MsgId, exc: BaseException) -> ChatError:
    """What a client is told of a request that raised: its refusal, or that the service is
    unavailable, or (logged here) that the server failed."""
    if isinstance(exc, ChatError):
        return exc
    if isinstance(exc, StorageUnavailable | BusUnavailable):
        log.warning("%s: %s", peer, exc)
        return ChatError(Errno.UNAVAILABLE, "service unavailable, retry")
    log.error("%s: request %s failed", peer, msgid.name, exc_info=exc)
    return ChatError(Errno.INTERNAL, "internal server error")
