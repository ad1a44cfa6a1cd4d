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
- ``chatapp:control``: group membership changes (``group:<id>``) and changes of a user's
  blocks, accepted senders or strangers setting (``ties:<id>``), heard by every instance.

A user's channel carries envelopes (envelope.py). The lease and node claims are in
redis_lease.py, the subscriber in redis_subscriber.py, the publishing pipeline in
redis_publisher.py.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import RedisError

from chatapp.protocol import ProtocolError

from .base import BusListener, BusUnavailable, Deliver, Delivery
from .envelope import pack, unpack
from .redis_lease import ATTACH, DETACH, ONLINE, Lease
from .redis_publisher import Publisher
from .redis_subscriber import Subscriber

log = logging.getLogger(__name__)


class RedisBus:
    """The bus of a cluster: see the module docstring for its keys and channels."""

    def __init__(self, url: str, *, prefix: str = "chatapp:", lease_seconds: float = 10.0) -> None:
        self.instance_id = secrets.token_hex(8)
        self.prefix = prefix
        self.lease_seconds = lease_seconds
        self._local: dict[int, Deliver] = {}
        # A failed command is retried twice, briefly: a sender should not wait long to
        # learn that it must store the message instead.
        self._redis = Redis.from_url(
            url, retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 2), socket_timeout=5
        )
        # The subscriber reconnects by itself (see Subscriber.listen), so its client never
        # retries.
        self._sub_client = Redis.from_url(url, retry=Retry(NoBackoff(), 0), health_check_interval=5)
        self._lease = Lease(self._redis, prefix, self.instance_id, lease_seconds)
        self._subscriber = Subscriber(
            self._sub_client, self._channels, self._dispatch, lease_seconds
        )
        self._listener: BusListener | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._evicted: list[int] = []
        self._publisher = Publisher(self._redis)
        self._attach = self._redis.register_script(ATTACH)
        self._detach = self._redis.register_script(DETACH)
        self._online = self._redis.register_script(ONLINE)

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

    @property
    def node(self) -> int:
        return self._lease.node

    @property
    def connected(self) -> bool:
        return self._subscriber.connected

    @property
    def reconnects(self) -> int:
        return self._subscriber.reconnects

    # --- names ---------------------------------------------------------------------

    def channel(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}"

    def _online_key(self, user_id: int) -> str:
        return f"{self.prefix}online:{user_id}"

    @property
    def _control(self) -> str:
        return f"{self.prefix}control"

    def _channels(self) -> set[str]:
        return {self._control, *(self.channel(uid) for uid in self._local)}

    # --- life cycle ----------------------------------------------------------------

    async def start(self, listener: BusListener) -> None:
        self._listener = listener
        try:
            await self._lease.claim_node()
            await self._lease.renew()
            await self._subscriber.open()
        except (RedisError, TimeoutError) as exc:
            raise BusUnavailable(f"redis: {exc}") from exc
        loop = asyncio.get_running_loop()
        listen = self._subscriber.listen(self._recover, self._recovered)
        self._tasks = [loop.create_task(listen), loop.create_task(self._lease.keep())]
        log.info("redis bus: instance %s, prefix %r", self.instance_id, self.prefix)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._publisher.close()
        try:
            for user_id in list(self._local):
                await self.detach(user_id)
            await self._lease.release()
        except (RedisError, BusUnavailable) as exc:
            log.warning("redis bus: could not release presence on close: %s", exc)
        await self._subscriber.close()
        await self._sub_client.aclose()
        await self._redis.aclose()

    async def _recover(self) -> None:
        """After the subscriber reconnected: the lease renewed, every local user claimed
        again (Redis may have restarted empty); those claimed elsewhere meanwhile are
        evicted."""
        await self._lease.renew()
        self._evicted = []
        for uid in list(self._local):
            if not await self._claim(uid):
                self._evicted.append(uid)

    def _recovered(self) -> None:
        log.warning("redis bus: reconnected; %d users resubscribed", len(self._local))
        if self._listener is not None:
            if self._evicted:
                self._listener.evicted(self._evicted)
            self._listener.resumed(list(self._local))

    # --- presence ------------------------------------------------------------------

    async def _claim(self, user_id: int) -> bool:
        keys, args = [self._online_key(user_id)], [self.instance_id, self._lease.instance_prefix]
        return bool(await self._attach(keys=keys, args=args))

    async def attach(self, user_id: int, deliver: Deliver) -> bool:
        if user_id in self._local:
            return False
        # Reserve locally first, so two logins here cannot interleave their awaits.
        self._local[user_id] = deliver
        try:
            claimed = await self._claim(user_id)
            if claimed:
                await self._subscriber.subscribe(self.channel(user_id))
        except (RedisError, TimeoutError) as exc:
            self._local.pop(user_id, None)
            raise BusUnavailable(f"redis: {exc}") from exc
        if not claimed:
            self._local.pop(user_id, None)
        return claimed

    async def detach(self, user_id: int) -> None:
        if self._local.pop(user_id, None) is None:
            return
        try:
            await self._subscriber.unsubscribe(self.channel(user_id))
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
                keys=[self._online_key(uid) for uid in ids], args=[self._lease.instance_prefix]
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
                encoded[key] = pack(delivery)
            payloads.append(encoded[key])
        if not remote:
            return []
        channels = [self.channel(uid) for uid in remote]
        counts = await self._publisher.publish(list(zip(channels, payloads, strict=True)))
        return [uid for uid, count in zip(remote, counts, strict=True) if not count]

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

    async def ties_changed(self, user_id: int) -> None:
        try:
            await self._redis.publish(self._control, f"ties:{user_id}")
        except RedisError as exc:
            raise BusUnavailable(f"redis: {exc}") from exc

    # --- what is heard -------------------------------------------------------------

    def _dispatch(self, channel: bytes, payload: bytes) -> None:
        name = channel.decode()
        if name == self._control:
            kind, _, value = payload.decode().partition(":")
            if kind == "group" and value.isdigit() and self._listener is not None:
                self._listener.group_changed(int(value))
            elif kind == "ties" and value.isdigit() and self._listener is not None:
                self._listener.ties_changed(int(value))
            return
        try:
            user_id = int(name.rsplit(":", 1)[1])
            delivery = unpack(payload)
        except (ValueError, IndexError, ProtocolError):
            log.error("redis bus: undecodable message on %s: %r", name, payload[:200])
            return
        deliver = self._local.get(user_id)
        if deliver is not None:
            deliver(delivery)
        # Otherwise the user left this instance meanwhile: chats are in the log, and the
        # next login sends them; a notice for someone who left is moot.
