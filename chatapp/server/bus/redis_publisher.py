"""The Redis bus's publisher: what callers publish goes out in one pipeline per round
(PUBLISH, or SPUBLISH on a Redis Cluster, where the pipeline goes to each slot's master)."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from redis.exceptions import RedisClusterException, RedisError

from .base import BusUnavailable
from .redis_lease import Client

log = logging.getLogger(__name__)

FAILURES = (RedisError, RedisClusterException, TimeoutError)
"""What a command that Redis (or a Redis Cluster) could not serve raises."""


def _unavailable(exc: Exception) -> Exception:
    """What a publisher hears of a failed pipeline: BusUnavailable for a Redis error."""
    if not isinstance(exc, FAILURES):
        return exc
    failure = BusUnavailable(f"redis: {exc}")
    failure.__cause__ = exc
    return failure


@contextmanager
def unavailable() -> Iterator[None]:
    """Raises BusUnavailable for a Redis error (or a timeout) in the block."""
    try:
        yield
    except FAILURES as exc:
        raise BusUnavailable(f"redis: {exc}") from exc


class Publisher:
    """Publishes what callers queue, in their order, one pipeline at a time.

    Whatever is queued while a pipeline is on its way goes into the next one: a pipeline
    costs far more than a command in it, and the chats of one commit of the log are
    published at once.
    """

    def __init__(self, redis: Client, *, sharded: bool = False) -> None:
        self._redis = redis
        self._sharded = sharded
        # Each caller's commands with the future of their subscriber counts.
        self._outbox: list[tuple[list[tuple[str, bytes]], asyncio.Future[list[int]]]] = []
        self._sender: asyncio.Task[None] | None = None
        self._later: set[asyncio.Task[None]] = set()  # what send_later has under way

    async def publish(self, commands: list[tuple[str, bytes]]) -> list[int]:
        """Publishes each (channel, payload); returns how many subscribers heard each."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[int]] = loop.create_future()
        self._outbox.append((commands, future))
        if self._sender is None:
            # Everyone's publications: an empty context, so that its lines (the driver's)
            # do not name the connection that happened to publish first.
            self._sender = loop.create_task(self._send(), context=contextvars.Context())
        return await future

    def send_later(self, commands: list[tuple[str, bytes]], what: str) -> None:
        """Publishes without waiting: a failure is only logged (a reconnection makes up
        for it), as `what` could not be sent."""
        task = asyncio.get_running_loop().create_task(self._send_later(commands, what))
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    async def _send_later(self, commands: list[tuple[str, bytes]], what: str) -> None:
        try:
            await self.publish(commands)
        except BusUnavailable as exc:
            log.warning("redis bus: could not send %s: %s", what, exc)

    async def close(self) -> None:
        """Stops sending; what is still queued fails with BusUnavailable."""
        for task in list(self._later):
            task.cancel()
        await asyncio.gather(*self._later, return_exceptions=True)
        if self._sender is not None:
            self._sender.cancel()
            await asyncio.gather(self._sender, return_exceptions=True)

    async def _send(self) -> None:
        try:
            while self._outbox:
                queued, self._outbox = self._outbox, []
                try:
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for commands, _ in queued:
                            for channel, payload in commands:
                                if self._sharded:
                                    pipe.spublish(channel, payload)
                                else:
                                    pipe.publish(channel, payload)
                        counts = await pipe.execute()
                except Exception as exc:
                    for _, future in queued:
                        if not future.done():
                            future.set_exception(_unavailable(exc))
                    continue
                except asyncio.CancelledError:  # the bus is closing
                    for _, future in queued + self._outbox:
                        if not future.done():
                            future.set_exception(BusUnavailable("redis: the bus is closing"))
                    raise
                start = 0
                for commands, future in queued:
                    if not future.done():
                        future.set_result(counts[start : start + len(commands)])
                    start += len(commands)
        finally:
            self._sender = None


class Missed:
    """What could not be published while Redis was out of reach, to make up for once it
    is back: the users whose deliveries missed (their sessions elsewhere are rung, to
    read what waits in the log) and the control messages (group and ties changes, which
    the other instances' caches need). Past `cap` of either, every instance is asked to
    ring all its users and forget its caches instead."""

    def __init__(self, cap: int = 10_000) -> None:
        self.cap = cap
        self.users: set[int] = set()
        self.control: set[bytes] = set()
        self.everyone = False

    def add(self, user_ids: Iterable[int], control: Iterable[bytes] = ()) -> None:
        if self.everyone:
            return
        self.users.update(user_ids)
        self.control.update(control)
        if len(self.users) > self.cap or len(self.control) > self.cap:
            self.users.clear()
            self.control.clear()
            self.everyone = True

    def take(self) -> tuple[set[int], set[bytes], bool]:
        """What is to be made up for, forgotten here (`add` it back if that fails)."""
        taken = self.users, self.control, self.everyone
        self.users, self.control, self.everyone = set(), set(), False
        return taken
