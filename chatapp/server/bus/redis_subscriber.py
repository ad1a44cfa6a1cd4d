"""The Redis bus's subscriber: one connection that hears every local user's channel and
the control channel, confirms each subscription, and reconnects by itself.

On a Redis Cluster the same class serves one shard master each (``sharded``: SSUBSCRIBE,
one channel a command since a command's channels must share a slot), and
redis_shards.py runs them together.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Protocol

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisClusterException, RedisError

from .redis_lease import stop_if_cancelled

log = logging.getLogger(__name__)

_MAX_BACKOFF = 5.0

LOST = (RedisError, RedisClusterException, OSError, TimeoutError)
"""What a lost connection, or a cluster whose map changed, raises."""

Dispatch = Callable[[bytes, bytes], None]
"""What is called with (channel, payload) for each message heard."""


class Subscriptions(Protocol):
    """What the bus asks of its subscriber: Subscriber, or ShardedSubscriber on a cluster."""

    connected: bool
    reconnects: int

    async def open(self) -> None: ...
    async def subscribe(self, channel: str) -> None: ...
    async def unsubscribe(self, channel: str) -> None: ...
    async def listen(
        self, recover: Callable[[], Awaitable[None]], recovered: Callable[[], None]
    ) -> None: ...
    async def close(self) -> None: ...


async def reconnect(
    close: Callable[[], Awaitable[None]],
    open_: Callable[[], Awaitable[None]],
    recover: Callable[[], Awaitable[None]],
) -> None:
    """Closes and opens again, with growing, jittered pauses, until `recover` (the bus's
    claims renewed) succeeds too."""
    delay = 0.05
    while True:
        await asyncio.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, _MAX_BACKOFF)
        try:
            await close()
            await open_()
            await recover()
        except LOST as exc:
            log.info("redis bus: still unreachable: %s", exc)
            continue
        except Exception:  # whatever it is, the bus must keep trying
            log.exception("redis bus: reconnecting failed")
            continue
        finally:  # redis-py may swallow a cancellation, or make it an error
            stop_if_cancelled()
        return


class Subscriber:
    """Subscriptions that wait for Redis's confirmation, so no later publish can miss them."""

    def __init__(
        self,
        client: Redis,
        channels: Callable[[], set[str]],
        dispatch: Dispatch,
        timeout: float,
        *,
        sharded: bool = False,
    ) -> None:
        self._client = client
        self._channels = channels  # every channel that should be heard now
        self._dispatch = dispatch
        self._timeout = timeout
        self._sharded = sharded
        self._kind = "ssubscribe" if sharded else "subscribe"
        self._pubsub: PubSub | None = None
        self._confirmations: dict[str, list[asyncio.Future[None]]] = {}
        self._leaving: Counter[str] = Counter()  # unsubscriptions not yet confirmed
        self.connected = False  # while listening, but for the time of a reconnection
        self.reconnects = 0  # connections lost and made again, with the bus's claims

    async def _send(self, pubsub: PubSub, channels: set[str]) -> None:
        if not self._sharded:
            await pubsub.subscribe(*channels)
            return
        for channel in channels:  # a command's shard channels must share a slot
            await pubsub.ssubscribe(channel)

    async def open(self) -> None:
        """Subscribes to every channel, once Redis has confirmed each (the listening task
        is not running meanwhile, so messages heard on the way are dispatched here)."""
        pubsub = self._client.pubsub()
        channels = self._channels()
        if channels:
            await self._send(pubsub, channels)
        else:
            await pubsub.connect()  # type: ignore[no-untyped-call]  # a loss is noticed even so
        async with asyncio.timeout(self._timeout):
            while channels:
                message = await pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                if message["type"] == self._kind:
                    channels.discard(message["channel"].decode())
                elif message["type"] in ("message", "smessage"):
                    self._dispatch(message["channel"], message["data"])
        self._leaving.clear()
        self._pubsub = pubsub

    async def subscribe(self, channel: str) -> None:
        """Subscribes and waits for Redis to confirm."""
        if self._pubsub is None:
            raise RedisConnectionError("the subscriber is reconnecting")
        confirmed = asyncio.get_running_loop().create_future()
        self._confirmations.setdefault(channel, []).append(confirmed)
        await self._send(self._pubsub, {channel})
        async with asyncio.timeout(self._timeout):
            await confirmed

    async def unsubscribe(self, channel: str) -> None:
        if self._pubsub is None:
            return
        if self._sharded:
            self._leaving[channel] += 1
            await self._pubsub.sunsubscribe(channel)
        else:
            await self._pubsub.unsubscribe(channel)

    async def pump(self) -> None:
        """Waits up to a second for one message and handles it; raises when the
        connection is lost, or when Redis moved a shard channel's slot elsewhere."""
        assert self._pubsub is not None
        message = await self._pubsub.get_message(timeout=1.0)
        if message is None:
            return
        kind = message["type"]
        if kind in ("message", "smessage"):
            self._dispatch(message["channel"], message["data"])
        elif kind == self._kind:
            for confirmed in self._confirmations.pop(message["channel"].decode(), []):
                if not confirmed.done():
                    confirmed.set_result(None)
        elif kind == "sunsubscribe":
            channel = message["channel"].decode()
            if self._leaving[channel] > 0:
                self._leaving[channel] -= 1
            else:  # unasked: the slot has another master now (a failover, a resharding)
                raise RedisConnectionError(f"shard channel {channel} moved")

    async def listen(
        self, recover: Callable[[], Awaitable[None]], recovered: Callable[[], None]
    ) -> None:
        """Dispatches what is heard, for as long as the task runs. When the connection is
        lost it reconnects (see reconnect); then `recovered` is told."""
        self.connected = True
        while True:
            try:
                await self.pump()
                stop_if_cancelled()
            except LOST as exc:
                stop_if_cancelled()
                log.warning("redis bus: subscriber lost (%s); reconnecting", exc)
                self.connected = False
                await reconnect(self.close, self.open, recover)
                self.reconnects += 1
                self.connected = True  # subscribed again, and the claims renewed
                recovered()

    async def close(self) -> None:
        self.connected = False
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            await pubsub.aclose()  # type: ignore[no-untyped-call, unused-ignore]  # typed from redis 8.2
