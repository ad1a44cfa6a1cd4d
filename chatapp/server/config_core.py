"""CoreConfig: where and how chatapp-server serves, and the limits of the chat itself;
Config (config.py) adds those of the social model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from chatapp.protocol import DEFAULT_MAX_FRAME

from .logs import LogFormat
from .settings import Limit, setting


def default_storage_url() -> str:
    """SQLite in the user's data directory: the embedded default that needs no set-up."""
    return f"sqlite:///{Path(user_data_dir('chatapp')) / 'chatapp.db'}"


@dataclass(frozen=True, slots=True)
class CoreConfig:
    """The settings of one server instance but the social model's (Config adds them).

    Each field is an option of `chatapp-server` (`max_frame`: `--max-frame`) and an
    environment variable (`CHATAPP_MAX_FRAME`), parsed by its type; its `help` is its
    line in `--help`. A field with a `limit` is a row of the Limits table in
    docs/protocol.md, written by `python -m chatapp.server.settings_doc`.
    """

    # --- where and how to serve -------------------------------------------------------

    host: str = setting("127.0.0.1", help="address to listen on")
    port: int = setting(6000, help="TCP port to listen on")
    storage: str = setting(
        factory=default_storage_url,
        help="storage URL: sqlite:///path/to/file.db (embedded, the default) or "
        "mysql://user:password@host:3306/dbname",
    )
    bus: str = setting(
        "memory://",
        help="message bus URL: memory:// (one instance, the default), "
        "redis://host:6379/0?prefix=chatapp:&lease=10 (many instances) or "
        "redis-cluster://host:port,host:port/?prefix=chatapp:&lease=10 (many instances "
        "on a Redis Cluster, 7 or newer)",
    )
    backlog: int = setting(1024, help="listen backlog of the server socket")
    tls_cert: str | None = setting(
        None,
        help="PEM certificate chain: with --tls-key, listen with TLS (1.2 or newer)",
    )
    tls_key: str | None = setting(None, help="PEM private key of --tls-cert")
    proxy_protocol: bool = setting(
        False,
        help="on: each connection starts with a PROXY v1 header from the load balancer "
        "(nginx: proxy_protocol on), which gives the client's real address",
    )
    metrics: str | None = setting(
        None,
        help="ADDRESS:PORT to serve /metrics (Prometheus), /healthz and /readyz on over "
        "HTTP, never the chat port; keep it private (off by default)",
    )
    log_format: LogFormat = setting(  # noqa: RUF009 (an enum member is immutable)
        LogFormat.TEXT,
        help="log lines on stderr as text (for people) or json (one object per line, for log "
        "shippers); within a connection each names its peer and, once logged in, its user",
    )
    hash_cost: int = setting(
        14,
        help="log2 of scrypt's N for new password hashes (14: 16 MiB and ~50 ms per hash)",
    )

    # --- limits: the rows of the Limits table, in its order -----------------------------

    max_frame: int = setting(
        DEFAULT_MAX_FRAME,
        help="longest frame in bytes; a longer one closes the connection",
        limit=Limit("frame size", "{bytes}"),
    )
    max_message_chars: int = setting(
        16_000,
        help="longest chat message in characters",
        limit=Limit("chat message", "{characters}"),
    )
    max_name_chars: int = setting(
        64,
        help="longest user or group name in characters",
        limit=Limit("user or group name", "{characters}"),
    )
    max_desc_chars: int = setting(
        255,
        help="longest group description in characters",
        limit=Limit("group description", "{characters}"),
    )
    max_password_chars: int = setting(
        1024,
        help="longest password in characters",
        limit=Limit("password", "{characters}"),
    )
    max_outbound_bytes: int = setting(
        4 * 1024 * 1024,
        help="bytes queued to a client that does not read before it is disconnected",
        limit=Limit(
            "bytes queued to a client that does not read", "{bytes}, then the connection is dropped"
        ),
    )
    max_queued_frames: int = setting(
        256,
        help="frames read from one connection and not yet handled at which reading from it "
        "pauses, until half of them are handled",
        limit=Limit(
            "frames read from one connection and not yet handled, at which reading from it pauses",
            "{count}",
        ),
    )
    sync_page: int = setting(
        200,
        help="deliveries per login ack, SYNC reply or catch-up page; largest HISTORY page",
        limit=Limit(
            "deliveries per login ack, SYNC reply or catch-up page; largest HISTORY page",
            "{count}",
        ),
    )
    history_page: int = setting(
        50,
        help="messages in a HISTORY page whose request names no limit (at most --sync-page)",
        limit=Limit(
            "messages in a HISTORY page whose request names no `limit`; at most `--sync-page`",
            "{count}",
        ),
    )
    # Each token is used once and replaced by a new one.
    resume_token_ttl: float = setting(
        30 * 24 * 3600.0,
        help="seconds a resume token stays valid",
        limit=Limit("resume token lifetime", "{seconds}"),
    )
    # Generous, because the original console client connects first and then waits for a
    # person at its menu.
    login_timeout: float = setting(
        300.0,
        help="seconds a connection may stay without a login (from connecting or logging out) "
        "before it is closed, whether it talks or not (0: no limit)",
        limit=Limit(
            "time to log in after connecting or logging out, then ERROR errno 4 and the "
            "connection is closed",
            "{seconds} (0: none)",
        ),
    )
    # Current clients PING more often than this. Legacy clients cannot PING: TCP
    # keepalive finds their dead connections instead.
    idle_timeout: float = setting(
        90.0,
        help="seconds of silence before a logged-in current-protocol connection is closed",
        limit=Limit(
            "silence (no frame) before a logged-in current-protocol connection is closed",
            "{seconds}",
        ),
    )
    tls_handshake_timeout: float = setting(
        10.0,
        help="seconds a TLS client has to finish its handshake before it is dropped",
        limit=Limit(
            "time to finish the TLS handshake, then the connection is dropped", "{seconds}"
        ),
    )
    rate_limit: float = setting(
        50.0,
        help="requests per second per connection, on average (PING and DELIVERED cost a "
        "fifth); more are refused with errno 14 and not executed (0: no limit)",
        limit=Limit(
            "requests per second per connection, on average; more are refused with errno 14",
            "{count} (0: none)",
        ),
    )
    rate_burst: float = setting(
        200.0,
        help="requests a connection may make at once above --rate-limit",
        limit=Limit("requests per connection at once, above the average", "{count}"),
    )
    rate_strikes: int = setting(
        100,
        help="refused requests (errno 14) in a row that close the connection (0: never)",
        limit=Limit(
            "refusals with errno 14 in a row that close the connection", "{count} (0: never)"
        ),
    )
    login_failures: int = setting(
        10,
        help="failed logins to one account within --login-window that lock its password "
        "logins for the rest of the window (errno 15; 0: no limit)",
        limit=Limit(
            "failed logins to one account that lock its password logins (errno 15)",
            "{count} (0: none)",
        ),
    )
    login_address_failures: int = setting(
        100,
        help="failed logins from one address within --login-window that lock its logins "
        "for the rest of the window (errno 15; 0: no limit; use 0 behind a proxy that "
        "hides client addresses)",
        limit=Limit(
            "failed logins from one address that lock its logins (errno 15)", "{count} (0: none)"
        ),
    )
    login_window: float = setting(
        300.0,
        help="seconds over which failed logins are counted",
        limit=Limit(
            "the window over which failed logins are counted, and the longest lock", "{seconds}"
        ),
    )
    shutdown_grace: float = setting(
        5.0,
        help="seconds a shutdown waits for connections to finish their last request",
        limit=Limit(
            "time a shutdown waits for connections to finish their last request", "{seconds}"
        ),
    )

    # --- pages of friends, groups and members ------------------------------------------

    list_page: int = setting(
        200,
        help="friends, groups or members per FRIENDS, GROUPS or MEMBERS reply whose request "
        "names no limit (at most --max-list-page); friends and groups in the login ack",
        limit=Limit(
            "friends, groups or members in a page whose request names no `limit`, and friends "
            "and groups in the login ack",
            "{count}",
        ),
    )
    max_list_page: int = setting(
        1000,
        help="largest limit of a FRIENDS, GROUPS or MEMBERS request",
        limit=Limit("largest `limit` of a FRIENDS, GROUPS or MEMBERS request", "{count}"),
    )

    # --- server-wide budgets: what the whole instance holds, whoever asks ---------------

    max_connections: int = setting(
        10_000,
        help="connections open at once; more are answered ERROR errno 16 and closed "
        "(0: no limit). Each is a file descriptor: keep it below the open-file limit",
        limit=Limit(
            "connections open at once; more are answered ERROR errno 16 and closed",
            "{count} (0: none)",
        ),
    )
    max_anonymous: int = setting(
        1_000,
        help="connections not logged in at once; more are answered ERROR errno 16 and "
        "closed (0: no limit)",
        limit=Limit(
            "connections not logged in at once; more are answered ERROR errno 16 and closed",
            "{count} (0: none)",
        ),
    )
    max_outbound_total: int = setting(
        256 * 1024 * 1024,
        help="bytes queued to all clients together; beyond it the connections holding the "
        "most are dropped until it holds again (0: no limit)",
        limit=Limit(
            "bytes queued to all clients together",
            "{bytes}, then the connections holding the most are dropped (0: none)",
        ),
    )
    hash_threads: int = setting(
        0, help="threads that hash passwords (0: every core but one, at least one)"
    )
    # Logins go first: a registration waiting is refused to make room for a login.
    hash_queue: int = setting(
        64,
        help="password checks and registrations waiting for a hashing thread; one more is "
        "refused at once with errno 16, a registration first (logins are served first)",
        limit=Limit(
            "password checks and registrations waiting for a hashing thread (logins first); "
            "more are refused with errno 16",
            "{count}",
        ),
    )
    register_per_address: int = setting(
        30,
        help="registrations from one address within --register-window; more are refused "
        "with errno 17 until the window ends (0: no limit; use 0 behind a proxy that "
        "hides client addresses)",
        limit=Limit(
            "registrations from one address; more are refused with errno 17",
            "{count} (0: none)",
        ),
    )
    register_window: float = setting(
        3600.0,
        help="seconds over which registrations from one address are counted",
        limit=Limit(
            "the window over which registrations are counted, and the longest lock", "{seconds}"
        ),
    )
