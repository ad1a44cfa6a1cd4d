"""The Redis Cluster bus's subscriber: a connection of its own to each shard master,
subscribed (SSUBSCRIBE) to the channels whose slots that master serves.

redis-py's cluster pub/sub re-subscribes by itself after a failover, and so without
saying so; the bus must know of every loss, to claim its sessions again and have them
look for what they missed. So every master gets a plain connection, mapped from the
cluster's slots, and when any is lost, or Redis says a channel's slot moved (an unasked
SUNSUBSCRIBE), all are closed, the slots mapped anew and every channel subscribed again.
The slots are also mapped every third of the lease, and anew when a channel's master is
not among those mapped: a handover of a master that serves none of this instance's
channels says nothing to it, and a former master, a replica now, takes SPUBLISH and
tells nobody (publishes counted as heard by none, the chats stored meanwhile).
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

from .redis_lease import stop_if_cancelled
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
        self._remapped: asyncio.Future[None] | None = None  # done once mapped anew
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

    async def subscribe(self, channel: str) -> None:
        """Subscribes on the channel's master. One this instance has not mapped (a
        failover it heard nothing of) has the slots mapped anew, which subscribes every
        channel of the instance, this one too."""
        if not self.connected:
            raise RedisConnectionError("the subscriber is reconnecting")
        shard = self._shards.get(self._master(channel))
        if shard is not None:
            await shard.subscribe(channel)
            return
        if self._remapped is None:
            self._remapped = asyncio.get_running_loop().create_future()
            self._remap.set()
        async with asyncio.timeout(self._timeout):
            await asyncio.shield(self._remapped)

    async def unsubscribe(self, channel: str) -> None:
        shard = self._shards.get(self._master(channel))
        if shard is not None:
            await shard.unsubscribe(channel)

    async def _pump(self, shard: Subscriber) -> None:
        while True:
            await shard.pump()
            stop_if_cancelled()

    async def _wait_remap(self) -> None:
        await self._remap.wait()
        raise RedisConnectionError("a channel's master was not mapped")

    async def _watch(self) -> None:
        """Maps the slots anew every third of the timeout: a master that serves none of
        this instance's channels may fail over without a word to it, and a publish to the
        former master, a replica now, is taken there and heard by nobody."""
        while True:
            await asyncio.sleep(self._timeout / 3)
            try:
                await self._cluster.nodes_manager.initialize()
            except LOST as exc:  # the pumps notice a lost master
                log.info("redis bus: could not map the cluster's slots: %s", exc)
                continue
            finally:  # redis-py may swallow a cancellation, or make it an error
                stop_if_cancelled()
            if {node.name for node in self._cluster.get_primaries()} != set(self._shards):
                raise RedisConnectionError("the cluster's masters changed")

    async def _run(self) -> None:
        """Until one shard's connection is lost (or must be mapped anew): raises then."""
        loop = asyncio.get_running_loop()
        tasks = [loop.create_task(self._pump(shard)) for shard in self._shards.values()]
        tasks.append(loop.create_task(self._wait_remap()))
        tasks.append(loop.create_task(self._watch()))
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
                stop_if_cancelled()
                log.warning("redis bus: a shard subscriber lost (%s); reconnecting", exc)
                self.connected = False
                await reconnect(self.close, self.open, recover)
                self.reconnects += 1
                self.connected = True
                recovered()
                remapped, self._remapped = self._remapped, None
                if remapped is not None and not remapped.done():
                    remapped.set_result(None)

    async def close(self) -> None:
        self.connected = False
        shards, self._shards = list(self._shards.values()), {}
        clients, self._clients = self._clients, []
        for shard in shards:
            await shard.close()
        for client in clients:
            await client.aclose()
