"""Option values every scenario shares: targets (loopback unless allowed), pids, prefixes."""

from __future__ import annotations

import argparse
import ipaddress
import re
from dataclasses import dataclass

DEFAULT_PORT = 6000


class OptionError(ValueError):
    """An option value the bench refuses; the command line reports it and exits."""


@dataclass(frozen=True, slots=True)
class Target:
    """One server instance to connect to."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8 and ::1; names other than localhost do not count."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_target(text: str, *, allow_remote: bool = False) -> Target:
    """`host:port`, `[v6]:port`, `host`, `:port` or `port`.

    A load generator aimed at somebody else's server by mistake is an attack, so only
    loopback is accepted unless allowed.
    """
    text = text.strip()
    if text.startswith("["):
        host, sep, port = text[1:].partition("]:")
        if not sep:
            raise OptionError(f"bad target {text!r}: expected [address]:port")
    elif ":" in text:
        host, _, port = text.rpartition(":")
    elif text.isdigit():
        host, port = "", text
    else:
        host, port = text, ""
    host = host or "127.0.0.1"
    if host == "localhost":
        host = "127.0.0.1"
    try:
        number = int(port) if port else DEFAULT_PORT
    except ValueError:
        raise OptionError(f"bad port in target {text!r}") from None
    if not 0 < number < 65536:
        raise OptionError(f"port out of range in target {text!r}")
    if not allow_remote and not is_loopback(host):
        raise OptionError(f"refusing non-loopback target {text!r} (add --allow-remote)")
    return Target(host, number)


def parse_targets(text: str, *, allow_remote: bool = False) -> list[Target]:
    """A comma-separated list of targets, at least one."""
    targets = [parse_target(t, allow_remote=allow_remote) for t in text.split(",") if t.strip()]
    if not targets:
        raise OptionError("no target given")
    return targets


def parse_pids(text: str) -> list[int]:
    """Comma-separated process ids of the servers under test."""
    try:
        pids = [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise OptionError(f"bad --pid {text!r}: expected numbers separated by commas") from None
    if any(p <= 0 for p in pids):
        raise OptionError(f"bad --pid {text!r}")
    return pids


def check_prefix(prefix: str) -> str:
    """User names are the prefix and a number: keep them short and unsurprising."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", prefix):
        raise OptionError("--prefix must be 1 to 40 characters of letters, digits, _ . -")
    return prefix


def positive_int(text: str) -> int:
    """argparse type: an integer above zero."""
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not above zero")
    return value


def count_int(text: str) -> int:
    """argparse type: an integer of zero or more (0: no limit)."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def seconds(text: str) -> float:
    """argparse type: a duration of zero or more seconds."""
    value = float(text)
    if not value >= 0:  # also refuses NaN
        raise argparse.ArgumentTypeError(f"{text} is not a duration")
    return value


def add_common(
    parser: argparse.ArgumentParser, *, duration: float, duration_help: str, count_help: str
) -> None:
    """The options of every scenario."""
    g = parser.add_argument_group("common options")
    g.add_argument(
        "--targets",
        "--target",
        default=f"127.0.0.1:{DEFAULT_PORT}",
        help="server address(es) host:port, comma separated (default: %(default)s)",
    )
    g.add_argument("--prefix", default="bench", help="user name prefix (default: %(default)s)")
    g.add_argument("--password", default="bench-pw", help="users' password (default: %(default)s)")
    g.add_argument(
        "--duration",
        type=seconds,
        default=duration,
        help=f"{duration_help} (default: %(default)s)",
    )
    g.add_argument("--count", type=count_int, default=0, help=count_help)
    g.add_argument(
        "--timeout",
        type=seconds,
        default=10.0,
        help="request timeout, and how long a chat may stay undelivered before it counts as "
        "stalled (default: %(default)s)",
    )
    g.add_argument(
        "--login-concurrency",
        type=positive_int,
        default=32,
        help="logins in flight while connecting users (default: %(default)s)",
    )
    g.add_argument("--pid", default="", help="server pid(s), comma separated: CPU and memory")
    g.add_argument("--json", metavar="FILE", help="also write the JSON result to FILE")
    g.add_argument("--quiet", action="store_true", help="no live progress on stderr")
    g.add_argument("--no-uvloop", action="store_true", help="use asyncio's own event loop")
    g.add_argument("--no-cid", action="store_true", help="send chats without a client id")
    g.add_argument(
        "--ack-every",
        type=positive_int,
        default=64,
        help="acknowledge deliveries after this many (default: %(default)s)",
    )
    g.add_argument(
        "--ack-delay",
        type=seconds,
        default=0.0,
        help="acknowledge at most this long after a delivery; 0: when the receive loop goes "
        "idle, as an interactive client does (default: %(default)s)",
    )
    g.add_argument("--allow-remote", action="store_true", help="allow targets other than loopback")
