"""RedisBus: presence leases and one channel per online user in Redis, for many instances.

URL: ``redis://[:password@]host:6379/0?prefix=chatapp:&lease=10``

- ``prefix`` (default ``chatapp:``) starts every key and channel, so several deployments
  or test runs can share one Redis.
- ``lease`` (seconds, default 10) bounds how long the users of an instance that died
  without warning stay "online": after it, they can log in through another instance.

Keys and channels, with the default prefix:

- ``chatapp:user:<id>``: the channel of an online user; only their instance subscribes.
- ``chatapp:online:<id>``: the id of the instance the user is logged in on.
- ``chatapp:instance:<instance id>``: the instance's lease, renewed every lease/3 seconds.
  A user counts as online only while the instance named in their key holds its lease.
- ``chatapp:node:<n>``: node numbers 0 to 63, one per live instance, which keep the
  message ids made by different instances apart; held like the lease.
- ``chatapp:control``: group membership changes, heard by every instance.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import RedisError

from chatapp.protocol import Dialect, ProtocolError, decode_event

from .base import DOORBELL, BusListener, BusUnavailable, Deliver, Delivery, Doorbell

log = logging.getLogger(__name__)

_BELL = b"bell"
NODES = 64  # as many as MessageIds has room for
_MAX_BACKOFF = 5.0

# Claim a user unless another instance that still holds its lease has them.
_ATTACH = """
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. owner) == 1 then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""
_DETACH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
"""
# Keep the node number while this instance holds it (or nobody does).
_RENEW_NODE = """
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
_ONLINE = """
local result = {}
for i, key in ipairs(KEYS) do
  local owner = redis.call('GET', key)
  result[i] = (owner and redis.call('EXISTS', ARGV[1] .. owner) == 1) and 1 or 0
end
return result
"""


def encode_delivery(delivery: Delivery) -> bytes:
    """A delivery as published: the current protocol's JSON, or the doorbell."""
    if isinstance(delivery, Doorbell):
        return _BELL
    return orjson.dumps(delivery.to_wire(Dialect.V2))


def _unavailable(exc: Exception) -> Exception:
    """What a publisher hears of a failed pipeline: BusUnavailable for a Redis error."""
    if not isinstance(exc, RedisError):
        return exc
    failure = BusUnavailable(f"redis: {exc}")
    failure.__cause__ = exc
    return failure


def decode_delivery(payload: bytes) -> Delivery:
    """The delivery that `encode_delivery` published."""
    return DOORBELL if payload == _BELL else decode_event(payload)


class RedisBus:
    """The bus of a cluster: see the module docstring for its keys and channels."""

    def __init__(self, url: str, *, prefix: str = "chatapp:", lease_seconds: float = 10.0) -> None:
        self.instance_id = secrets.token_hex(8)
        self.node = 0
        self.prefix = prefix
        self.lease_seconds = lease_seconds
        self._url = url
        self._local: dict[int, Deliver] = {}
        # A failed command is retried twice, briefly: a sender should not wait long to
        # learn that it must store the message instead.
        self._redis = Redis.from_url(
            url, retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 2), socket_timeout=5
        )
        # The subscriber reconnects by itself (see _listen), so its client never retries.
        self._sub_client = Redis.from_url(url, retry=Retry(NoBackoff(), 0), health_check_interval=5)
        self._pubsub: PubSub | None = None
        self._listener: BusListener | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._confirmations: dict[str, list[asyncio.Future[None]]] = {}
        # Publishes waiting for the next pipeline, each caller's with the future of its counts.
        self._outbox: list[tuple[list[tuple[str, bytes]], asyncio.Future[list[int]]]] = []
        self._sender: asyncio.Task[None] | None = None
        self._attach = self._redis.register_script(_ATTACH)
        self._detach = self._redis.register_script(_DETACH)
        self._online = self._redis.register_script(_ONLINE)

    @classmethod
    def from_url(cls, url: str) -> RedisBus:
        parts = urlsplit(url)
        options = dict(parse_qsl(parts.query))
        prefix = options.pop("prefix", "chatapp:")
        lease = float(options.pop("lease", "10"))
        if lease <= 0:
            raise ValueError("redis bus: lease must be positive")
        rest = urlunsplit(parts._replace(query=urlencode(options)))
        return cls(rest, prefix=prefix, lease_seconds=lease)

    # --- names ---------------------------------------------------------------------

    def channel(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}"

    def _online_key(self, user_id: int) -> str:
        return f"{self.prefix}online:{user_id}"

    @property
    def _instance_prefix(self) -> str:
        return f"{self.prefix}instance:"

    @property
    def _control(self) -> str:
        return f"{self.prefix}control"

    # --- life cycle ----------------------------------------------------------------

    async def start(self, listener: BusListener) -> None:
        self._listener = listener
        try:
            await self._claim_node()
            await self._renew_lease()
            self._pubsub = await self._subscribe_all()
        except (RedisError, TimeoutError) as exc:
            raise BusUnavailable(f"redis: {exc}") from exc
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._listen()), loop.create_task(self._keep_lease())]
        log.info("redis bus: instance %s, prefix %r", self.instance_id, self.prefix)

    async def close(self) -> None:
        tasks = [*self._tasks, *([self._sender] if self._sender is not None else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            for user_id in list(self._local):
                await self.detach(user_id)
            await self._redis.delete(
                self._instance_prefix + self.instance_id, self._node_key(self.node)
            )
        except (RedisError, BusUnavailable) as exc:
            log.warning("redis bus: could not release presence on close: %s", exc)
        if self._pubsub is not None:
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._sub_client.aclose()
        await self._redis.aclose()

    async def _renew_lease(self) -> None:
        lease_ms = int(self.lease_seconds * 1000)
        key = self._instance_prefix + self.instance_id
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(key, b"1", px=lease_ms)
            pipe.eval(_RENEW_NODE, 1, self._node_key(self.node), self.instance_id, lease_ms)
            _, node_kept = await pipe.execute()
        if not node_kept:
            log.error(
                "redis bus: node %d was taken by another instance while this one was cut "
                "off; message ids may collide until it restarts",
                self.node,
            )

    async def _claim_node(self) -> None:
        lease_ms = int(self.lease_seconds * 1000)
        for node in range(NODES):
            if await self._redis.set(self._node_key(node), self.instance_id, nx=True, px=lease_ms):
                self.node = node
                return
        raise BusUnavailable(f"redis bus: all {NODES} node numbers are held by live instances")

    def _node_key(self, node: int) -> str:
        return f"{self.prefix}node:{node}"

    async def _keep_lease(self) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                await self._renew_lease()
            except RedisError as exc:
                log.warning("redis bus: lease renewal failed: %s", exc)

    # --- presence ------------------------------------------------------------------

    async def attach(self, user_id: int, deliver: Deliver) -> bool:
        if user_id in self._local:
            return False
        # Reserve locally first, so two logins here cannot interleave their awaits.
        self._local[user_id] = deliver
        try:
            claimed = await self._attach(
                keys=[self._online_key(user_id)], args=[self.instance_id, self._instance_prefix]
            )
            if claimed:
                await self._subscribe(self.channel(user_id))
        except (RedisError, TimeoutError) as exc:
            self._local.pop(user_id, None)
            raise BusUnavailable(f"redis: {exc}") from exc
        if not claimed:
            self._local.pop(user_id, None)
        return bool(claimed)

    async def detach(self, user_id: int) -> None:
        if self._local.pop(user_id, None) is None:
            return
        try:
            if self._pubsub is not None:
                await self._pubsub.unsubscribe(self.channel(user_id))
            await self._detach(keys=[self._online_key(user_id)], args=[self.instance_id])
        except Exception as exc:  # a logout must finish whatever the connection's state
            # The key names this instance; if it is left behind, another instance sees
            # the user online until this one stops renewing its lease.
            log.warning("redis bus: detaching user %d failed: %r", user_id, exc)

    async def online(self, user_ids: Iterable[int]) -> set[int]:
        ids = list(user_ids)
        if not ids:
            return set()
        try:
            flags = await self._online(
                keys=[self._online_key(uid) for uid in ids], args=[self._instance_prefix]
            )
        except RedisError as exc:
            raise BusUnavailable(f"redis: {exc}") from exc
        return {uid for uid, flag in zip(ids, flags, strict=True) if flag}

    # --- delivery ------------------------------------------------------------------

    async def publish(self, user_id: int, delivery: Delivery) -> bool:
        return not await self.publish_many([(user_id, delivery)])

    async def publish_many(self, items: Iterable[tuple[int, Delivery]]) -> list[int]:
        remote: list[int] = []
        payloads: list[bytes] = []
        encoded: dict[int, bytes] = {}  # one delivery to many users is encoded once
        for uid, delivery in items:
            deliver = self._local.get(uid)
            if deliver is not None:
                deliver(delivery)  # attached here: no round trip through Redis
                continue
            remote.append(uid)
            key = id(delivery)
            if key not in encoded:
                encoded[key] = encode_delivery(delivery)
            payloads.append(encoded[key])
        if not remote:
            return []
        future: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()
        self._outbox.append(
            ([(self.channel(uid), p) for uid, p in zip(remote, payloads, strict=True)], future)
        )
        if self._sender is None:
            self._sender = asyncio.get_running_loop().create_task(self._send())
        counts = await future
        return [uid for uid, count in zip(remote, counts, strict=True) if not count]

    async def _send(self) -> None:
        """Publishes what callers queued, in their order, one pipeline at a time.

        Whatever is queued while a pipeline is on its way goes into the next one: a
        pipeline costs far more than a command in it, and the chats of one commit of the
        log are published at once.
        """
        try:
            while self._outbox:
                queued, self._outbox = self._outbox, []
                try:
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for commands, _ in queued:
                            for channel, payload in commands:
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

    def publish_here(self, items: Iterable[tuple[int, Delivery]]) -> list[tuple[int, Delivery]]:
        rest = []
        for uid, delivery in items:
            deliver = self._local.get(uid)
            if deliver is None:
                rest.append((uid, delivery))
            else:
                deliver(delivery)
        return rest

    async def group_changed(self, group_id: int) -> None:
        try:
            await self._redis.publish(self._control, f"group:{group_id}")
        except RedisError as exc:
            raise BusUnavailable(f"redis: {exc}") from exc

    # --- the subscriber ------------------------------------------------------------

    async def _subscribe(self, channel: str) -> None:
        """Subscribes and waits for Redis to confirm, so no later publish can miss it."""
        assert self._pubsub is not None
        confirmed = asyncio.get_running_loop().create_future()
        self._confirmations.setdefault(channel, []).append(confirmed)
        await self._pubsub.subscribe(channel)
        async with asyncio.timeout(self.lease_seconds):
            await confirmed

    async def _subscribe_all(self) -> PubSub:
        """A new subscriber for the control channel and every local user, once Redis has
        confirmed each subscription (the listening task is not running meanwhile)."""
        pubsub = self._sub_client.pubsub()
        channels = {self._control, *(self.channel(uid) for uid in self._local)}
        await pubsub.subscribe(*channels)
        async with asyncio.timeout(self.lease_seconds):
            while channels:
                message = await pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                if message["type"] == "subscribe":
                    channels.discard(message["channel"].decode())
                elif message["type"] == "message":
                    self._dispatch(message["channel"], message["data"])
        return pubsub

    async def _listen(self) -> None:
        while True:
            try:
                assert self._pubsub is not None
                message = await self._pubsub.get_message(timeout=1.0)
            except (RedisError, OSError) as exc:
                log.warning("redis bus: subscriber lost (%s); reconnecting", exc)
                await self._reconnect()
                continue
            if message is None:
                continue
            if message["type"] == "message":
                self._dispatch(message["channel"], message["data"])
            elif message["type"] == "subscribe":
                for confirmed in self._confirmations.pop(message["channel"].decode(), []):
                    if not confirmed.done():
                        confirmed.set_result(None)

    async def _reconnect(self) -> None:
        delay = 0.05
        while True:
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, _MAX_BACKOFF)
            try:
                if self._pubsub is not None:
                    await self._pubsub.aclose()  # type: ignore[no-untyped-call]
                self._pubsub = await self._subscribe_all()
                await self._renew_lease()
                evicted = await self._reclaim()
            except (RedisError, OSError, TimeoutError) as exc:
                log.info("redis bus: still unreachable: %s", exc)
                continue
            break
        log.warning("redis bus: reconnected; %d users resubscribed", len(self._local))
        if self._listener is not None:
            if evicted:
                self._listener.evicted(evicted)
            self._listener.resumed(list(self._local))

    async def _reclaim(self) -> list[int]:
        """Claims every local user again (Redis may have restarted empty)."""
        evicted = []
        for uid in list(self._local):
            claimed = await self._attach(
                keys=[self._online_key(uid)], args=[self.instance_id, self._instance_prefix]
            )
            if not claimed:
                evicted.append(uid)
        return evicted

    def _dispatch(self, channel: bytes, payload: bytes) -> None:
        name = channel.decode()
        if name == self._control:
            kind, _, value = payload.decode().partition(":")
            if kind == "group" and value.isdigit() and self._listener is not None:
                self._listener.group_changed(int(value))
            return
        try:
            user_id = int(name.rsplit(":", 1)[1])
            delivery = decode_delivery(payload)
        except (ValueError, IndexError, ProtocolError):
            log.error("redis bus: undecodable message on %s: %r", name, payload[:200])
            return
        deliver = self._local.get(user_id)
        if deliver is not None:
            deliver(delivery)
        # Otherwise the user left this instance meanwhile: chats are in the log, and the
        # next login sends them; a notice for someone who left is moot.
