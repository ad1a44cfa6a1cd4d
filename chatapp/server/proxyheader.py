"""The PROXY protocol v1 header a load balancer sends first, naming the real client."""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .session import Session

log = logging.getLogger(__name__)

MAX_HEADER = 107  # the specification's longest v1 line, "\r\n" included


def parse_proxy_v1(line: bytes) -> tuple[str, int] | None:
    """The client's address and port from `PROXY TCP4|TCP6 src dst sport dport`, or None
    for `PROXY UNKNOWN` (the balancer's own health checks). Raises ValueError otherwise.
    """
    if len(line) > MAX_HEADER:
        raise ValueError("PROXY header too long")
    parts = line.strip().decode("ascii").split(" ")
    if parts[:1] != ["PROXY"] or len(parts) < 2:
        raise ValueError("not a PROXY protocol v1 header")
    if parts[1] == "UNKNOWN":
        return None
    if parts[1] not in ("TCP4", "TCP6") or len(parts) != 6:
        raise ValueError(f"malformed PROXY header: {line[:MAX_HEADER]!r}")
    source = ipaddress.ip_address(parts[2])
    if (source.version == 4) != (parts[1] == "TCP4"):
        raise ValueError("PROXY header's address does not match its family")
    port = int(parts[4])
    if not 0 <= port <= 65535:
        raise ValueError("PROXY header's port is out of range")
    return str(source), port


def take_proxy_header(session: Session, line: bytes) -> bool:
    """Takes the client's address from the balancer's header, for logs and the per-address
    login limit; False (logged, and the connection closed) when the line is not one."""
    try:
        source = parse_proxy_v1(line)
    except ValueError as exc:
        log.warning("expected a PROXY header (--proxy-protocol): %s", exc)
        session.close()
        return False
    if source is not None:
        session.host, session.peer = source[0], f"{source[0]}:{source[1]}"
    return True
