"""Config: every setting and limit of chatapp-server, with its default."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

from chatapp.protocol import DEFAULT_MAX_FRAME


def default_storage_url() -> str:
    """SQLite in the user's data directory: the embedded default that needs no set-up."""
    return f"sqlite:///{Path(user_data_dir('chatapp')) / 'chatapp.db'}"


@dataclass(frozen=True, slots=True)
class Config:
    """The settings of one server instance; see `chatapp-server --help` for each."""

    host: str = "127.0.0.1"
    port: int = 6000
    storage: str = field(default_factory=default_storage_url)
    bus: str = "memory://"
    max_frame: int = DEFAULT_MAX_FRAME
    """Longest frame accepted, in bytes; a longer one closes the connection."""
    max_message_chars: int = 16_000
    """Longest chat text, in characters."""
    max_name_chars: int = 64
    """Longest user or group name, in characters."""
    max_desc_chars: int = 255
    """Longest group description, in characters."""
    max_password_chars: int = 1024
    """Longest password, in characters."""
    max_outbound_bytes: int = 4 * 1024 * 1024
    """Bytes queued to one client that does not read before it is disconnected."""
    hash_cost: int = 14
    """log2 of scrypt's N for new password hashes (14: 16 MiB and ~50 ms per hash)."""
    backlog: int = 1024
    """Listen backlog of the server socket."""
    idle_timeout: float = 90.0
    """Seconds of silence after which a current-protocol connection, or one that has not
    logged in, is closed; clients PING more often than this. Legacy clients cannot PING:
    TCP keepalive finds their dead connections instead."""
