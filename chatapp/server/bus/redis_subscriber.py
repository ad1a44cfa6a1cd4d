"""The Redis bus's subscriber: one connection that hears every local user's channel and
the control channel, confirms each subscription, and reconnects by itself."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

_MAX_BACKOFF = 5.0

Dispatch = Callable[[bytes, bytes], None]
"""What is called with (channel, payload) for each message heard."""


class Subscriber:
    """Subscriptions that wait for Redis's confirmation, so no later publish can miss them."""

    def __init__(
        self, client: Redis, channels: Callable[[], set[str]], dispatch: Dispatch, timeout: float
    ) -> None:
        self._client = client
        self._channels = channels  # every channel that should be heard now
        self._dispatch = dispatch
        self._timeout = timeout
        self._pubsub: PubSub | None = None
        self._confirmations: dict[str, list[asyncio.Future[None]]] = {}
        self.connected = False  # while listening, but for the time of a reconnection
        self.reconnects = 0  # connections lost and made again, with the bus's claims

    async def open(self) -> None:
        """Subscribes to every channel, once Redis has confirmed each (the listening task
        is not running meanwhile, so messages heard on the way are dispatched here)."""
        pubsub = self._client.pubsub()
        channels = self._channels()
        await pubsub.subscribe(*channels)
        async with asyncio.timeout(self._timeout):
            while channels:
                message = await pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                if message["type"] == "subscribe":
                    channels.discard(message["channel"].decode())
                elif message["type"] == "message":
                    self._dispatch(message["channel"], message["data"])
        self._pubsub = pubsub

    async def subscribe(self, channel: str) -> None:
        """Subscribes and waits for Redis to confirm."""
        if self._pubsub is None:
            raise RedisConnectionError("the subscriber is reconnecting")
        confirmed = asyncio.get_running_loop().create_future()
        self._confirmations.setdefault(channel, []).append(confirmed)
        await self._pubsub.subscribe(channel)
        async with asyncio.timeout(self._timeout):
            await confirmed

    async def unsubscribe(self, channel: str) -> None:
        if self._pubsub is not None:
            await self._pubsub.unsubscribe(channel)

    async def listen(
        self, recover: Callable[[], Awaitable[None]], recovered: Callable[[], None]
    ) -> None:
        """Dispatches what is heard, for as long as the task runs. When the connection is
        lost it reconnects with growing, jittered pauses, until `recover` (the bus's
        claims renewed) succeeds too; then `recovered` is told."""
        self.connected = True
        while True:
            try:
                assert self._pubsub is not None
                message = await self._pubsub.get_message(timeout=1.0)
            except (RedisError, OSError) as exc:
                log.warning("redis bus: subscriber lost (%s); reconnecting", exc)
                self.connected = False
                await self._reconnect(recover)
                self.reconnects += 1
                self.connected = True  # subscribed again, and the claims renewed
                recovered()
                continue
            if message is None:
                continue
            if message["type"] == "message":
                self._dispatch(message["channel"], message["data"])
            elif message["type"] == "subscribe":
                for confirmed in self._confirmations.pop(message["channel"].decode(), []):
                    if not confirmed.done():
                        confirmed.set_result(None)

    async def _reconnect(self, recover: Callable[[], Awaitable[None]]) -> None:
        delay = 0.05
        while True:
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, _MAX_BACKOFF)
            try:
                await self.close()
                await self.open()
                await recover()
            except (RedisError, OSError, TimeoutError) as exc:
                log.info("redis bus: still unreachable: %s", exc)
                continue
            return

    async def close(self) -> None:
        self.connected = False
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            await pubsub.aclose()  # type: ignore[no-untyped-call]
