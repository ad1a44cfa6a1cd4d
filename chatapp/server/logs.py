"""The server's log: text or JSON lines, each naming the connection it came from."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

TEXT = "%(asctime)s %(levelname)s %(name)s: %(connection)s%(message)s"


class LogFormat(StrEnum):
    """How each line is written: for people, or one JSON object for log shippers."""

    TEXT = "text"
    JSON = "json"


class Connection(Protocol):
    """What a log line says of its connection: the peer and, where it has a `user` with
    an `id` (a Session, once logged in), the user's id."""

    @property
    def peer(self) -> str: ...


# The connection whose work is running. Set in the context a connection's transport is
# made in, so every callback and task of that connection inherits it; read when a line is
# logged, so a login, a logout or a PROXY header shows in the lines after it.
CONNECTION: contextvars.ContextVar[Connection | None] = contextvars.ContextVar(
    "chatapp_connection", default=None
)


def context_of(conn: Connection | None) -> contextvars.Context:
    """A context for a task or callback whose lines are `conn`'s, wherever it is started."""
    context = contextvars.copy_context()
    context.run(CONNECTION.set, conn)
    return context


def shared() -> contextvars.Context:
    """A context for work that serves everyone (the journal's writer, a summary timer),
    started from whichever connection came first: its lines must not carry that one's
    peer and user."""
    return context_of(None)


@contextmanager
def about(conn: Connection) -> Iterator[None]:
    """Lines logged within are `conn`'s, though shared work (the sweeper) logs them."""
    token = CONNECTION.set(conn)
    try:
        yield
    finally:
        CONNECTION.reset(token)


class ConnectionFilter(logging.Filter):
    """Adds `peer` and `user` (None outside a connection, or before a login) to each
    record, and `connection`, their text form: `[peer=127.0.0.1:5555 user=7] `."""

    def filter(self, record: logging.LogRecord) -> bool:
        conn = CONNECTION.get()
        peer = user = None
        if conn is not None:
            peer = conn.peer
            user = getattr(getattr(conn, "user", None), "id", None)
        record.peer, record.user = peer, user
        if peer is None:
            record.connection = ""
        elif user is None:
            record.connection = f"[peer={peer}] "
        else:
            record.connection = f"[peer={peer} user={user}] "
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers: time (ISO 8601, UTC), level, logger,
    message; peer and user within a connection; exception, its traceback, when any."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("peer", "user"):
            if (value := getattr(record, key, None)) is not None:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(level: str, form: LogFormat) -> None:
    """Logs to stderr at `level`, in `form`, every line with its connection's peer and
    user."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ConnectionFilter())
    handler.setFormatter(JsonFormatter() if form is LogFormat.JSON else logging.Formatter(TEXT))
    logging.basicConfig(level=level, handlers=[handler])
