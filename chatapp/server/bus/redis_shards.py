"""The Redis Cluster bus's subscriber: a connection of its own to each shard master,
subscribed (SSUBSCRIBE) to the channels whose slots that master serves.

redis-py's cluster pub/sub re-subscribes by itself after a failover, and so without
saying so; the bus must know of every loss, to claim its sessions again and have them
look for what they missed. So every master gets a plain connection, mapped from the
cluster's slots, and when any is lost, or Redis says a channel's slot moved (an unasked
SUNSUBSCRIBE), all are closed, the slots mapped anew and every channel subscribed again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from .redis_subscriber import LOST, Dispatch, Subscriber, reconnect

log = logging.getLogger(__name__)


class ShardedSubscriber:
    """One Subscriber per shard master, run together; the same interface as Subscriber."""

    def __init__(
        self,
        cluster: RedisCluster,
        channels: Callable[[], set[str]],
        dispatch: Dispatch,
        timeout: float,
        credentials: dict[str, str | None],
    ) -> None:
        self._cluster = cluster
        self._channels = channels
        self._dispatch = dispatch
        self._timeout = timeout
        self._credentials = credentials
        self._shards: dict[str, Subscriber] = {}  # by the master's name, host:port
        self._clients: list[Redis] = []
        self._remap = asyncio.Event()  # set when a channel's master is not among them
        self.connected = False
        self.reconnects = 0

    def _master(self, channel: str) -> str:
        node = self._cluster.get_node_from_key(channel)
        if node is None:
            raise RedisConnectionError(f"no master serves {channel}")
        return str(node.name)

    def _channels_of(self, name: str) -> Callable[[], set[str]]:
        return lambda: {c for c in self._channels() if self._master(c) == name}

    async def open(self) -> None:
        """Maps the slots afresh and subscribes on every master."""
        await self._cluster.nodes_manager.initialize()
        self._remap.clear()
        for node in self._cluster.get_primaries():
            client = Redis(
                host=node.host,
                port=int(node.port),
                retry=Retry(NoBackoff(), 0),
                health_check_interval=5,
                **self._credentials,  # type: ignore[arg-type]
            )
            self._clients.append(client)
            shard = Subscriber(
                client, self._channels_of(node.name), self._dispatch, self._timeout, sharded=True
            )
            self._shards[node.name] = shard
            await shard.open()

    def _shard(self, channel: str) -> Subscriber:
        if not self.connected:
            raise RedisConnectionError("the subscriber is reconnecting")
        shard = self._shards.get(self._master(channel))
        if shard is None:
            self._remap.set()
            raise RedisConnectionError(f"the master of {channel} is new: mapping the slots")
        return shard

    async def subscribe(self, channel: str) -> None:
        await self._shard(channel).subscribe(channel)

    async def unsubscribe(self, channel: str) -> None:
        shard = self._shards.get(self._master(channel))
        if shard is not None:
            await shard.unsubscribe(channel)

    async def _pump(self, shard: Subscriber) -> None:
        while True:
            await shard.pump()

    async def _wait_remap(self) -> None:
        await self._remap.wait()
        raise RedisConnectionError("a channel's master was not mapped")

    async def _run(self) -> None:
        """Until one shard's connection is lost (or must be mapped anew): raises then."""
        loop = asyncio.get_running_loop()
        tasks = [loop.create_task(self._pump(shard)) for shard in self._shards.values()]
        tasks.append(loop.create_task(self._wait_remap()))
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            task.result()

    async def listen(
        self, recover: Callable[[], Awaitable[None]], recovered: Callable[[], None]
    ) -> None:
        """As Subscriber.listen, over every master: any loss maps the slots anew."""
        self.connected = True
        while True:
            try:
                await self._run()
            except LOST as exc:
                log.warning("redis bus: a shard subscriber lost (%s); reconnecting", exc)
                self.connected = False
                await reconnect(self.close, self.open, recover)
                self.reconnects += 1
                self.connected = True
                recovered()

    async def close(self) -> None:
        self.connected = False
        shards, self._shards = list(self._shards.values()), {}
        clients, self._clients = self._clients, []
        for shard in shards:
            await shard.close()
        for client in clients:
            await client.aclose()
