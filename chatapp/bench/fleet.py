"""Fleet: every connection of a run; logging many in at once, heartbeats, closing them all."""

from __future__ import annotations

import asyncio
import contextlib
import time

from chatapp.protocol import Errno

from .account import errno_of, login
from .conn import BenchConn
from .dialer import dial
from .options import Target
from .run import Run
from .stats import Latencies

HEARTBEAT_SECONDS = 30.0
# The previous run's connections may still be closing on the server: ALREADY_ONLINE.
LOGIN_RETRIES = 10
LOGIN_RETRY_SECONDS = 0.3
_PING = b'{"msgid":14}\n'


class Fleet:
    """Opens, logs in and keeps alive the connections of one run; closes them at the end."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.conns: list[BenchConn] = []
        self.signed_in = 0
        self.failed = 0
        self.connect_latency = Latencies()
        self._heartbeat: asyncio.Task[None] | None = None

    async def connect(self, target: Target, source: str | None = None) -> BenchConn | None:
        """A new connection, or None (the error counted)."""
        started = time.monotonic_ns()
        try:
            conn = await dial(target, self.run.new_conn, self.run.timeout, source)
        except (OSError, TimeoutError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            self.run.errors[f"connect: {reason}"] += 1
            return None
        self.connect_latency.add_ns(time.monotonic_ns() - started)
        self.conns.append(conn)
        return conn

    async def sign_in(
        self, target: Target, name: str, *, source: str | None = None
    ) -> BenchConn | None:
        """Connects and logs in by name and password; None (the error counted) on failure."""
        errno: int | None = None
        for attempt in range(LOGIN_RETRIES + 1):
            conn = await self.connect(target, source)
            if conn is None:
                return None
            errno = await self._log_in(conn, name)
            if errno == 0:
                return conn
            conn.close()
            if errno != Errno.ALREADY_ONLINE or attempt == LOGIN_RETRIES:
                break
            self.run.errors["login_retried_already_online"] += 1
            await asyncio.sleep(LOGIN_RETRY_SECONDS)
        self._failed(errno)
        return None

    async def _log_in(self, conn: BenchConn, name: str) -> int | None:
        """Logs in by name; the errno (None: no answer), a success counted and timed."""
        started = time.monotonic_ns()
        ack = await login(conn, self.run.timeout, name=name, password=self.run.password)
        errno = errno_of(ack)
        if errno == 0:
            self.run.login_latency.add_ns(time.monotonic_ns() - started)
            self.signed_in += 1
        return errno

    def _failed(self, errno: int | None) -> None:
        self.run.errors["login_failed" if errno is None else f"login_errno_{errno}"] += 1
        self.failed += 1

    async def sign_in_all(
        self, targets: list[Target], names: list[str], sources: list[str] | None = None
    ) -> list[BenchConn | None]:
        """Logs in names[i] on targets[i], `login_concurrency` at a time, in order."""
        limit = asyncio.Semaphore(self.run.login_concurrency)
        out: list[BenchConn | None] = [None] * len(names)

        async def one(index: int) -> None:
            source = sources[index % len(sources)] if sources else None
            async with limit:
                conn = await self.sign_in(targets[index], names[index], source=source)
            out[index] = conn

        await asyncio.gather(*(one(i) for i in range(len(names))))
        return out

    async def log_in_all(self, conns: list[BenchConn | None], names: list[str]) -> int:
        """Logs in connections already open (conns[i] as names[i]); how many succeeded."""
        limit = asyncio.Semaphore(self.run.login_concurrency)

        async def one(conn: BenchConn, name: str) -> None:
            async with limit:
                errno = await self._log_in(conn, name)
            if errno != 0:
                self._failed(errno)

        await asyncio.gather(*(one(c, n) for c, n in zip(conns, names, strict=True) if c))
        return self.signed_in

    def status(self) -> dict[str, object]:
        return {"logged in": self.signed_in, "failed": self.failed}

    def start_heartbeat(self, interval: float = HEARTBEAT_SECONDS) -> None:
        """PINGs each connection that has sent nothing for an interval, as clients must."""
        if self._heartbeat is None:
            self._heartbeat = asyncio.get_running_loop().create_task(self._beat(interval))

    async def _beat(self, interval: float) -> None:
        seen: dict[BenchConn, int] = {}
        while True:
            await asyncio.sleep(interval)
            writes: dict[BenchConn, int] = {}
            for conn in self.conns:
                if conn.lost or conn.closing:
                    continue
                if seen.get(conn) == conn.writes:
                    conn.write(_PING)
                writes[conn] = conn.writes
            seen = writes

    def forget_closed(self) -> None:
        """Drops closed connections from the list (the logins scenario makes many)."""
        self.conns = [c for c in self.conns if not (c.closing or c.lost)]

    def alive(self) -> int:
        return sum(1 for c in self.conns if not (c.lost or c.closing))

    async def close(self) -> None:
        """Acknowledges what arrived and closes every connection."""
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        for conn in self.conns:
            conn.close()
        self.conns = []
        # One turn of the loop lets the transports send their FINs.
        await asyncio.sleep(0.05)

    def gaps(self) -> int:
        return sum(c.gaps for c in self.conns)
