"""chatapp-client: parse the command line and run the Textual client."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from .app import ChatApp
from .device import claim_device_name
from .net import Connection
from .settings import data_path, load, settings_path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="chatapp-client", description=__doc__)
    parser.add_argument("--host", help="server host (default: the last one used)")
    parser.add_argument("--port", type=int, help="server port (default: the last one used)")
    parser.add_argument("--config-dir", type=Path, help="where settings are kept")
    parser.add_argument("--data-dir", type=Path, help="where chats not sent yet are kept")
    parser.add_argument("--log-file", type=Path, help="write a debug log here")
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

    ChatApp(settings, path, connection_factory=factory).run()


if __name__ == "__main__":
    main()
