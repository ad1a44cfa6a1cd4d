"""Opening connections: TCP_NODELAY, source addresses past the ephemeral port range, fd limits."""

from __future__ import annotations

import asyncio
import resource
import socket
from collections.abc import Callable

from .conn import BenchConn
from .options import Target

# Lets the kernel pick the port at connect time, per destination, so that one source
# address serves ~28k connections to each server port instead of ~28k in all.
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)
CONNECTIONS_PER_SOURCE = 25_000


def raise_open_files_limit() -> int:
    """Raises the soft limit on open files to the hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        wanted = hard if hard != resource.RLIM_INFINITY else 1 << 20
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return soft


def source_addresses(count: int, connections: int, target: Target) -> list[str]:
    """127.0.0.2, .3, ... to bind to: `count` of them, or (0) enough for `connections`."""
    if not target.host.startswith("127."):
        return []
    if count == 0:
        count = -(-connections // CONNECTIONS_PER_SOURCE) if connections > 20_000 else 0
    return [f"127.0.{(2 + i) // 256}.{(2 + i) % 256}" for i in range(min(count, 60_000))]


async def dial(
    target: Target, factory: Callable[[], BenchConn], wait: float, source: str | None = None
) -> BenchConn:
    """Connects and returns the connection's protocol; raises OSError or TimeoutError."""
    loop = asyncio.get_running_loop()
    if source is None:
        _, conn = await asyncio.wait_for(
            loop.create_connection(factory, target.host, target.port), wait
        )
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            sock.bind((source, 0))
            await asyncio.wait_for(loop.sock_connect(sock, (target.host, target.port)), wait)
        except BaseException:
            sock.close()
            raise
        _, conn = await loop.create_connection(factory, sock=sock)
    opened = conn.transport.get_extra_info("socket") if conn.transport else None
    if opened is not None:
        # Small frames, one at a time: Nagle would add tens of milliseconds.
        opened.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn
