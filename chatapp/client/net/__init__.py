"""The client's network layer, free of Textual: one Connection that logs in, resumes and retries.

A Connection sends requests and awaits their replies, and yields what the server pushes
(chats, each once, acknowledged for the caller; presence; new friends; group changes)
with its own news (link state, logins made or needed). Everything it raises is a ClientError.
"""

from .backoff import Backoff
from .connection import Connection
from .errors import ClientError, Disconnected, RequestFailed, RequestTimeout
from .link import Heard, Incoming, LinkChanged, LinkState, LoggedIn, LoginNeeded, Pushed
from .pending import Sendable

__all__ = [
    "Backoff",
    "ClientError",
    "Connection",
    "Disconnected",
    "Heard",
    "Incoming",
    "LinkChanged",
    "LinkState",
    "LoggedIn",
    "LoginNeeded",
    "Pushed",
    "RequestFailed",
    "RequestTimeout",
    "Sendable",
]
