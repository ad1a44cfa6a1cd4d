"""The client's one error vocabulary: everything the connection raises is a ClientError."""

from __future__ import annotations

from typing import TypeVar

from chatapp.protocol import Errno

T = TypeVar("T")


class ClientError(Exception):
    """Something the user asked for did not happen."""


class Disconnected(ClientError):
    """There is no connection to the server, or it was lost before the reply came."""


class RequestTimeout(ClientError):
    """The server did not answer in time."""


class RequestFailed(ClientError):
    """The server refused the request with an error number."""

    def __init__(self, errno: Errno, errmsg: str) -> None:
        super().__init__(errmsg or errno.name.lower().replace("_", " "))
        self.errno = errno
        self.errmsg = errmsg


def expect(reply: object, kind: type[T], request: str) -> T:
    """`reply` as the kind of reply `request` earns; ClientError if it is another."""
    if not isinstance(reply, kind):
        raise ClientError(f"unexpected reply to {request}: {reply!r}")
    return reply
