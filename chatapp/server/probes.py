"""Probes: /metrics, /healthz and /readyz over a small HTTP/1.1 listener on the event loop."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .metrics import registry
from .storage import StorageError

if TYPE_CHECKING:
    from .app import ChatServer

log = logging.getLogger(__name__)

MAX_HEAD = 4096  # bytes of a request's line and headers; a probe sends a few dozen
REQUEST_SECONDS = 5.0  # to send the request and read the answer, the whole exchange
STORAGE_SECONDS = 2.0  # for the storage to answer /readyz's query
TEXT = "text/plain; charset=utf-8"


def split_address(address: str) -> tuple[str, int]:
    """ADDRESS:PORT, or [IPv6]:PORT, as host and port; ValueError when it is neither."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"--metrics wants ADDRESS:PORT, not {address!r}")
    return host.removeprefix("[").removesuffix("]"), int(port)


class Probes:
    """The listener of --metrics: each connection asks one GET (or HEAD), is answered
    and closed. Requests are bounded in size and time; nothing here runs on a thread."""

    def __init__(self, server: ChatServer) -> None:
        self.server = server
        self._registry = registry(server)
        self._listener: asyncio.Server | None = None

    @property
    def listening(self) -> bool:
        return self._listener is not None

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        assert self._listener is not None
        return int(self._listener.sockets[0].getsockname()[1])

    def address(self) -> tuple[str, int] | None:
        """Where --metrics asks to listen, if it does; ValueError when it cannot be."""
        config = self.server.config
        if config.metrics is None:
            return None
        host, port = split_address(config.metrics)
        if port == config.port != 0:
            raise ValueError(f"--metrics must not share the chat port {port}")
        return host, port

    async def start(self, address: tuple[str, int]) -> None:
        host, port = address
        self._listener = await asyncio.start_server(self._serve, host, port, limit=MAX_HEAD)
        log.info(
            "metrics and health on http://%s/metrics, /healthz, /readyz", self.server.config.metrics
        )

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(REQUEST_SECONDS):
                head = await reader.readuntil(b"\r\n\r\n")
                method, path = _request_line(head)
                status, kind, body = await self._answer(method, path)
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                )
                if method != "HEAD":
                    writer.write(body)
                await writer.drain()
        except (TimeoutError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ConnectionError) as exc:  # fmt: skip
            log.debug("metrics: a request was dropped: %r", exc)
        finally:
            writer.close()

    async def _answer(self, method: str, path: str) -> tuple[str, str, bytes]:
        if method not in ("GET", "HEAD"):
            return "405 Method Not Allowed", TEXT, b"GET or HEAD only\n"
        if path == "/metrics":
            return "200 OK", CONTENT_TYPE_LATEST, generate_latest(self._registry)
        if path == "/healthz":
            return "200 OK", TEXT, b"ok\n"  # answered at all: the event loop runs
        if path == "/readyz":
            why = await self.unready()
            if why is None:
                return "200 OK", TEXT, b"ready\n"
            return "503 Service Unavailable", TEXT, f"{why}\n".encode()
        return "404 Not Found", TEXT, b"/metrics, /healthz or /readyz\n"

    async def unready(self) -> str | None:
        """Why this instance should get no new connections now, or None when it should."""
        server = self.server
        if server.stopping:
            return "shutting down"
        if server.draining is not None:
            return "draining"
        if not server.bus.connected:
            return "bus not connected"
        try:
            async with asyncio.timeout(STORAGE_SECONDS):
                await server.storage.ping()
        except TimeoutError:
            return f"storage did not answer within {STORAGE_SECONDS:g} s"
        except StorageError as exc:
            return f"storage unavailable: {exc}"
        return None


def _request_line(head: bytes) -> tuple[str, str]:
    """The method and the path (without its query) of a request's first line."""
    line = head.split(b"\r\n", 1)[0].decode("latin-1")
    method, target, _version = line.split(" ")  # ValueError: not HTTP, dropped
    return method, target.split("?", 1)[0]
