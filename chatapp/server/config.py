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
    sync_page: int = 200
    """Deliveries in one LOGIN_ACK, SYNC reply or catch-up page; also the largest
    HISTORY page."""
    resume_token_ttl: float = 30 * 24 * 3600.0
    """Seconds a resume token stays valid (each is used once and replaced)."""
    idle_timeout: float = 90.0
    """Seconds of silence after which a current-protocol connection, or one that has not
    logged in, is closed; clients PING more often than this. Legacy clients cannot PING:
    TCP keepalive finds their dead connections instead."""
    proxy_protocol: bool = False
    """Expect a PROXY protocol v1 header first on each connection (nginx:
    `proxy_protocol on;`) and take the client's address from it."""
    login_timeout: float = 300.0
    """Seconds a connection may stay without a login (from connecting or logging out)
    before it is closed, whether it talks or not; 0 disables. Generous, because the
    original console client connects first and then waits for a person at its menu."""
    rate_limit: float = 50.0
    """Requests per second one connection may make on average (PING and DELIVERED cost a
    fifth); more are refused with errno 14 and not executed. 0 disables."""
    rate_burst: float = 200.0
    """Requests one connection may make at once above `rate_limit`."""
    rate_strikes: int = 100
    """Refusals in a row (errno 14) after which the connection is closed; 0: never."""
    login_failures: int = 10
    """Failed logins to one account within `login_window` that lock its password logins
    for the rest of the window (errno 15); 0 disables."""
    login_address_failures: int = 100
    """Failed logins from one address within `login_window` that lock its logins for the
    rest of the window (errno 15); 0 disables (behind a proxy that hides addresses)."""
    login_window: float = 300.0
    """Seconds over which failed logins are counted."""
    tls_cert: str | None = None
    """PEM certificate chain: with `tls_key`, the server listens with TLS (1.2 or newer)."""
    tls_key: str | None = None
    """PEM private key of `tls_cert`."""
