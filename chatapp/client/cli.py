"""chatapp-client: parse the command line and run the Textual client."""

from __future__ import annotations

import argparse
import logging
from importlib import metadata
from pathlib import Path

from .app import ChatApp
from .device import claim_device_name
from .history import InputHistory, history_path
from .net import Connection
from .settings import data_path, load, settings_path

DESCRIPTION = """\
A chat client for the terminal. Log in (or register) on a chatapp server, then chat
with friends and groups; press F1 inside for every key and slash command."""


def _epilog() -> str:
    return (
        "where things are kept:\n"
        f"  settings (last server, name, theme; never the password): {settings_path()}\n"
        f"  chats typed but not sent yet, sent at the next login: {data_path()}\n"
        f"  the lines sent in each conversation, for Up and Down: {history_path()}\n"
        "\n"
        "example:\n"
        "  chatapp-client --host chat.example.org --port 6000"
    )


def version() -> str:
    """The installed chatapp distribution's version, or a note that it is not installed."""
    try:
        return metadata.version("chatapp")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="chatapp-client",
        description=DESCRIPTION,
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {version()}", help="show the version"
    )
    parser.add_argument(
        "--host",
        metavar="HOST",
        help="the chat server's address, a name or an IP address "
        "(default: the one used last time, at first 127.0.0.1); "
        "the login screen can change it too",
    )
    parser.add_argument(
        "--port",
        type=int,
        metavar="PORT",
        help="the chat server's port number (default: the one used last time, at first 6000)",
    )
    parser.add_argument(
        "--config-dir",
        type=Path,
        metavar="DIR",
        help="keep the settings (last server, name and theme; never the password) in DIR "
        "instead of the usual place shown below",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="keep the chats typed but not sent yet (no connection, say; they go out at the "
        "next login) and the lines sent in each conversation (for Up) in DIR instead of the "
        "usual place shown below",
    )
    parser.add_argument(
        "--log-file",
        type=Path,
        metavar="FILE",
        help="write a detailed log of connections, logins, retries and refusals to FILE, "
        "to find out what went wrong or to attach to a bug report (no passwords)",
    )
    return parser.parse_args(argv)


def setup_logging(path: Path) -> None:
    """Sends every log record from DEBUG up (the network layer's connections, logins,
    retries and refusals among them) to `path`, with its time, level and logger."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # The client's own records pass whatever level a library gave its loggers.
    logging.getLogger("chatapp").setLevel(logging.DEBUG)


def main(argv: list[str] | None = None) -> None:
    """Runs the client until the user quits."""
    args = parse_args(argv)
    if args.log_file:
        setup_logging(args.log_file)
    path = settings_path(args.config_dir)
    settings = load(path)
    if args.host:
        settings.host = args.host
    if args.port:
        settings.port = args.port
    # Chats not sent yet are kept there, to go after the next login even after a restart.
    data = data_path(args.data_dir)
    device = claim_device_name(data)  # a second client on this host: a device of its own

    def factory(host: str, port: int) -> Connection:
        conn = Connection(host, port, outbox=data)
        conn.device = device
        return conn

    history = InputHistory.load(history_path(data))
    ChatApp(settings, path, connection_factory=factory, history=history).run()


if __name__ == "__main__":
    main()
