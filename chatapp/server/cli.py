"""chatapp-server's command line: options, environment variables, signals, exit codes."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import Any

from chatapp import __version__

from .app import ChatServer
from .config import Config
from .storage import StorageError, open_storage

log = logging.getLogger("chatapp.server")


def switch(text: str) -> bool:
    """on/off, yes/no, true/false, 1/0."""
    value = text.strip().lower()
    if value in ("1", "on", "yes", "true"):
        return True
    if value in ("0", "off", "no", "false"):
        return False
    raise ValueError(f"{text!r} is not on or off")


# option, Config field, type, help. Each is also read from CHATAPP_<FIELD in capitals>.
OPTIONS: list[tuple[str, str, Callable[[str], Any], str]] = [
    ("--host", "host", str, "address to listen on"),
    ("--port", "port", int, "TCP port to listen on"),
    (
        "--storage",
        "storage",
        str,
        "storage URL: sqlite:///path/to/file.db (embedded, the default) or "
        "mysql://user:password@host:3306/dbname",
    ),
    (
        "--bus",
        "bus",
        str,
        "message bus URL: memory:// (one instance, the default) or "
        "redis://host:6379/0?prefix=chatapp:&lease=10 (many instances)",
    ),
    ("--max-frame", "max_frame", int, "longest frame in bytes; a longer one closes the connection"),
    ("--max-message-chars", "max_message_chars", int, "longest chat message in characters"),
    ("--max-name-chars", "max_name_chars", int, "longest user or group name in characters"),
    ("--max-desc-chars", "max_desc_chars", int, "longest group description in characters"),
    ("--max-password-chars", "max_password_chars", int, "longest password in characters"),
    (
        "--max-outbound-bytes",
        "max_outbound_bytes",
        int,
        "bytes queued to a client that does not read before it is disconnected",
    ),
    ("--hash-cost", "hash_cost", int, "log2 of scrypt's N for new password hashes"),
    ("--backlog", "backlog", int, "listen backlog"),
    (
        "--sync-page",
        "sync_page",
        int,
        "deliveries per login ack, SYNC reply or catch-up page; largest HISTORY page",
    ),
    ("--resume-token-ttl", "resume_token_ttl", float, "seconds a resume token stays valid"),
    (
        "--idle-timeout",
        "idle_timeout",
        float,
        "seconds of silence before a current-protocol or not-logged-in connection is closed",
    ),
    (
        "--login-timeout",
        "login_timeout",
        float,
        "seconds a connection may stay without a login before it is closed (0: no limit)",
    ),
    (
        "--rate-limit",
        "rate_limit",
        float,
        "requests per second per connection, on average; more are refused (0: no limit)",
    ),
    ("--rate-burst", "rate_burst", float, "requests a connection may make at once"),
    (
        "--rate-strikes",
        "rate_strikes",
        int,
        "refused requests in a row that close the connection (0: never)",
    ),
    (
        "--login-failures",
        "login_failures",
        int,
        "failed logins to one account within the window that lock it (0: no limit)",
    ),
    (
        "--login-address-failures",
        "login_address_failures",
        int,
        "failed logins from one address within the window that lock it (0: no limit; "
        "use 0 behind a proxy that hides client addresses)",
    ),
    ("--login-window", "login_window", float, "seconds over which failed logins are counted"),
    ("--tls-cert", "tls_cert", str, "PEM certificate chain: listen with TLS (needs --tls-key)"),
    ("--tls-key", "tls_key", str, "PEM private key of --tls-cert"),
    (
        "--proxy-protocol",
        "proxy_protocol",
        switch,
        "on: each connection starts with a PROXY v1 header from the load balancer "
        "(nginx: proxy_protocol on), which gives the client's real address",
    ),
]


def env_name(field_name: str) -> str:
    """The environment variable that sets a Config field."""
    return f"CHATAPP_{field_name.upper()}"


def parse_args(argv: Sequence[str] | None = None) -> tuple[Config, argparse.Namespace]:
    """The Config from defaults, then environment variables, then command-line options."""
    defaults = Config()
    parser = argparse.ArgumentParser(
        prog="chatapp-server",
        description="chatapp's chat server. Every option can also be set by the environment "
        "variable shown; an option on the command line wins.",
    )
    for flag, name, kind, text in OPTIONS:
        current = getattr(defaults, name)
        parser.add_argument(
            flag,
            dest=name,
            type=kind,
            metavar=name.upper(),
            default=None,
            help=f"{text} (env {env_name(name)}; default: {current})",
        )
    parser.add_argument(
        "--init-db",
        action="store_true",
        help="create or upgrade the storage schema, then exit",
    )
    parser.add_argument(
        "--log-level",
        default=os.environ.get("CHATAPP_LOG_LEVEL", "INFO"),
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="logging verbosity (env CHATAPP_LOG_LEVEL; default: INFO)",
    )
    parser.add_argument("--version", action="version", version=f"chatapp {__version__}")
    args = parser.parse_args(argv)
    values: dict[str, Any] = {}
    kinds = {name: kind for _, name, kind, _ in OPTIONS}
    for f in fields(Config):
        given = getattr(args, f.name, None)
        if given is None and env_name(f.name) in os.environ:
            raw = os.environ[env_name(f.name)]
            try:
                given = kinds[f.name](raw)
            except ValueError:
                parser.error(f"{env_name(f.name)}={raw!r} is not a valid {f.name}")
        if given is not None:
            values[f.name] = given
    return Config(**values), args


async def init_db(config: Config) -> None:
    """Creates or upgrades the schema of the configured storage."""
    storage = open_storage(config.storage)
    await storage.open(upgrade=True)
    await storage.close()


async def serve(config: Config) -> None:
    """Runs a server until SIGINT or SIGTERM, then shuts it down gracefully."""
    server = ChatServer(config)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
        log.info("signal received: shutting down")
    finally:
        await server.shutdown()


def _runner() -> Callable[[Any], Any]:
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `chatapp-server`; returns the process exit code."""
    config, args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    run = _runner()
    try:
        if args.init_db:
            run(init_db(config))
            print(f"storage schema ready: {config.storage.split('@')[-1]}")
            return 0
        run(serve(config))
    except (StorageError, ValueError, OSError) as exc:
        log.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
