"""Sockets: the listening ones, their TLS context, no Nagle delay, and keepalive for each
connection (set on the listening sockets, which the connections inherit)."""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Config


async def listening(
    host: str, port: int, backlog: int, *, reuse_port: bool = False
) -> list[socket.socket]:
    """Non-blocking sockets listening on each address `host` names (every one for ''),
    made as asyncio's create_server makes them; `reuse_port`: shared with the other
    workers of --workers, the kernel spreading connections among them (SO_REUSEPORT)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(infos):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            if family == socket.AF_INET6:  # one family per socket, as asyncio does
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(address)
            except OSError as exc:
                raise OSError(exc.errno, f"cannot listen on {address}: {exc.strerror}") from None
            sock.listen(backlog)
            sock.setblocking(False)
            # Options the accepted connections inherit (Linux): set once here, not on each.
            no_delay(sock)
            keepalive(sock)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def no_delay(sock: socket.socket) -> None:
    """Sends each write at once: chats are small and latency is what users feel."""
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def keepalive(sock: socket.socket | None) -> None:
    """Probes a silent peer after 60 s, so a dead legacy client is found in about 90 s."""
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    if hasattr(socket, "TCP_KEEPIDLE"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 60)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)


def tls_context(config: Config) -> ssl.SSLContext | None:
    """The server's TLS context (TLS 1.2 or newer), or None to listen in plain TCP."""
    cert, key = config.tls_cert, config.tls_key
    if not cert and not key:
        return None
    if not cert or not key:
        raise ValueError("--tls-cert and --tls-key go together: give both or neither")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"cannot load TLS certificate {cert} with key {key}: {exc}") from exc
    return context
