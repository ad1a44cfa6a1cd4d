"""chatapp-server's command line: options, environment variables, signals, exit codes."""

from __future__ import annotations

import argparse
import asyncio
import enum
import faulthandler
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

from chatapp import __version__

from .app import ChatServer
from .config import Config
from .logs import configure as configure_logs
from .settings import Option, options, switch
from .storage import StorageError, open_storage
from .workers import Supervisor, check, for_worker, spawner, worker_index

log = logging.getLogger("chatapp.server")


def parse_args(argv: Sequence[str] | None = None) -> tuple[Config, argparse.Namespace]:
    """The Config from defaults, then environment variables, then command-line options."""
    parser = argparse.ArgumentParser(
        prog="chatapp-server",
        description="chatapp's chat server. Every option can also be set by the environment "
        "variable shown; an option on the command line wins.",
    )
    limits = parser.add_argument_group("limits (also listed in docs/protocol.md)")
    config_options = options(Config())
    for option in config_options:
        group = parser if option.limit is None else limits
        group.add_argument(
            option.flag,
            dest=option.name,
            type=option.parse,
            metavar=_metavar(option),
            default=None,
            help=f"{option.help} (env {option.env}; default: {_shown(option.default)})".replace(
                "%", "%%"
            ),
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
    for option in config_options:
        given = getattr(args, option.name)
        if given is None and option.env in os.environ:
            raw = os.environ[option.env]
            try:
                given = option.parse(raw)
            except ValueError:
                parser.error(f"{option.env}={raw!r} is not a valid {option.name}")
        if given is not None:
            values[option.name] = given
    return Config(**values), args


def _metavar(option: Option) -> str:
    """How --help names an option's value: its choices where they are few."""
    if option.parse is switch:
        return "{on,off}"
    if isinstance(option.parse, type) and issubclass(option.parse, enum.StrEnum):
        return "{" + ",".join(option.parse) + "}"
    return option.name.upper()


def _shown(default: Any) -> str:
    """A default as --help shows it: a switch as on or off, no value as none."""
    if isinstance(default, bool):
        return "on" if default else "off"
    return "none" if default is None else str(default)


async def init_db(config: Config) -> None:
    """Creates or upgrades the schema of the configured storage."""
    storage = open_storage(config.storage)
    await storage.open(upgrade=True)
    await storage.close()


async def serve(config: Config) -> None:
    """Runs a server until SIGINT or SIGTERM, then drains it (--drain-timeout) and shuts it
    down gracefully; a second signal cuts the drain short."""
    server = ChatServer(config)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def signalled() -> None:
        if stop.is_set():
            log.info("signal received again: ending the drain")
            server.cut_drain()
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, signalled)
    try:
        await stop.wait()
        log.info("signal received: draining, then shutting down")
        await server.drain()
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
    configure_logs(args.log_level, config.log_format)
    # A fatal signal no program can answer (SIGBUS when SQLite's -shm file is truncated
    # or its disk is full, SIGSEGV) leaves its traceback on stderr, in the log, before the
    # process dies: never a silent death. What was acknowledged is in the log already.
    faulthandler.enable()
    run = _runner()
    index = worker_index()
    try:
        check(config)
        if args.init_db:
            run(init_db(config))
            print(f"storage schema ready: {config.storage.split('@')[-1]}")
            return 0
        if config.workers > 1 and index is None:
            given = sys.argv[1:] if argv is None else list(argv)
            return Supervisor(config.workers, spawner(given)).run()
        if index is not None:
            log.info("worker %d of %d (pid %d)", index, config.workers, os.getpid())
            config = for_worker(config, index)
        run(serve(config))
    except (StorageError, ValueError, OSError) as exc:
        log.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
