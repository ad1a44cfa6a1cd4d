"""RedisBus: presence leases and one channel per online user in Redis, for many instances.

URL: ``redis://[:password@]host:6379/0?prefix=chatapp:&lease=10``

- ``prefix`` (default ``chatapp:``) starts every key and channel, so several deployments
  or test runs can share one Redis.
- ``lease`` (seconds, default 10) bounds how long the sessions of an instance that died
  without warning still count: after it, a legacy login elsewhere is let in. An instance
  cut off from Redis for a whole lease gives its sessions up (redis_fence.py).

Keys and channels, with the default prefix:

- ``chatapp:user:<id>``: the channel of an online user; every instance that holds a
  session of theirs subscribes.
- ``chatapp:online:<id>``: a hash of the user's sessions: device id to the id of the
  instance holding it (``<instance id>:x`` for an exclusive, legacy session).
- ``chatapp:instance:<instance id>``: the instance's lease, renewed every lease/3 seconds. A
  session counts only while the instance named in its field holds its lease.
- ``chatapp:node:<n>``: node numbers 0 to 63, one per live instance, which keep the message ids
  made by different instances apart; held like the lease.
- ``chatapp:control``: group membership changes (``group:<id>``) and changes of a user's blocks,
  accepted senders or strangers setting (``ties:<id>``), heard by every instance.

A user's channel carries envelopes (envelope.py), each sealed with the instance that published it,
which drops its own: it serves its own sessions directly, and publishes for users it does not hold
or holds "shared" (other instances hold them too). An instance that attaches a user held elsewhere
marks them shared and, once subscribed, publishes ``join`` on their channel; each instance holding
them marks them shared too and rings the doorbell there, so that a chat it delivered only here
before it heard is read from the log. A user is no longer shared once their last session here ends.
Parts: redis_lease.py, redis_fence.py, redis_recovery.py, redis_subscriber.py,
redis_publisher.py; on a cluster, redis_cluster.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Iterable
from typing import Self
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff

from chatapp.protocol import ProtocolError

from .base import Attached, BusListener, BusUnavailable, Deliver, Delivery
from .envelope import DOORBELL_PAYLOAD, JOIN, seal, seal_each, unpack, unseal
from .memory import Sessions
from .redis_fence import Fence
from .redis_lease import Claims, Client, Lease
from .redis_publisher import FAILURES, Missed, Publisher, unavailable
from .redis_recovery import RESUME, Recovery
from .redis_subscriber import Subscriber, Subscriptions

log = logging.getLogger(__name__)


class RedisBus(Recovery):
    """The bus of a cluster: see the module docstring for its keys and channels."""

    def __init__(self, url: str, *, prefix: str = "chatapp:", lease_seconds: float = 10.0) -> None:
        self.instance_id = secrets.token_hex(8)
        self.prefix = prefix
        self.lease_seconds = lease_seconds
        self._local = Sessions()
        self._shared: set[int] = set()  # users held here whom other instances hold too
        self._listener: BusListener | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[None]] = set()
        self._missed = Missed()
        self._given_up = 0  # sessions given up since Redis last confirmed a renewal
        self._connect(url)
        self._fence = Fence(self._lease, self._give_up, self._claim_again, self._healed)

    def _connect(self, url: str) -> None:  # the clients, claims, subscriber and publisher
        self._control = f"{self.prefix}control"
        # A failed command is retried twice, briefly: a sender should not wait long to
        # learn that it must store the message instead.
        retry = Retry(ExponentialBackoff(cap=0.2, base=0.02), 2)
        redis = Redis.from_url(url, retry=retry, socket_timeout=5)
        # The subscriber reconnects by itself (Subscriber.listen): its client never retries.
        sub_client = Redis.from_url(url, retry=Retry(NoBackoff(), 0), health_check_interval=5)
        self._clients: list[Client] = [redis, sub_client]
        self._lease = Lease(redis, self.prefix, self.instance_id, self.lease_seconds)
        self._claims = Claims(redis, self._lease)
        subscriber = Subscriber(sub_client, self._channels, self._dispatch, self.lease_seconds)
        self._subscriber: Subscriptions = subscriber
        self._publisher = Publisher(redis)

    @classmethod
    def from_url(cls, url: str) -> Self:
        parts = urlsplit(url)
        options = dict(parse_qsl(parts.query))
        prefix = options.pop("prefix", "chatapp:")
        lease = float(options.pop("lease", "10"))
        if lease <= 0:
            raise ValueError(f"{parts.scheme} bus: lease must be positive")
        rest = urlunsplit(parts._replace(query=urlencode(options)))
        return cls(rest, prefix=prefix, lease_seconds=lease)

    @property
    def node(self) -> int:
        return self._lease.node

    @property
    def connected(self) -> bool:
        return self._subscriber.connected and not self._fence.failing

    @property
    def reconnects(self) -> int:
        return self._subscriber.reconnects

    def channel(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}"

    def user_of(self, channel: str) -> int:
        return int(channel.rsplit(":", 1)[1])

    def _channels(self) -> set[str]:
        return {self._control, *(self.channel(uid) for uid in self._local.users)}

    # --- life cycle ----------------------------------------------------------------

    async def start(self, listener: BusListener) -> None:
        self._listener = listener
        with unavailable():
            await self._lease.claim_node()
            await self._fence.hold()
            await self._subscriber.open()
        loop = asyncio.get_running_loop()
        listen = self._subscriber.listen(self._recover, self._recovered)
        self._tasks = [loop.create_task(listen), loop.create_task(self._fence.keep())]
        log.info("redis bus: instance %s, prefix %r", self.instance_id, self.prefix)

    async def close(self) -> None:
        tasks = [*self._tasks, *self._background]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._publisher.close()
        try:
            for uid, devices in list(self._local.users.items()):
                for device_id, deliver in list(devices.items()):
                    await self.detach(uid, device_id, deliver)
            await self._lease.release()
        except (*FAILURES, BusUnavailable) as exc:
            log.warning("redis bus: could not release presence on close: %s", exc)
        await self._subscriber.close()
        for client in self._clients:
            await client.aclose()

    # --- presence ------------------------------------------------------------------

    async def attach(
        self, user_id: int, device_id: int, deliver: Deliver, *, exclusive: bool = False
    ) -> Attached:
        if not self._local.admits(user_id, device_id, exclusive):
            return Attached(False)
        self._reachable()
        # Reserve locally first, so two logins here cannot interleave their awaits.
        previous = self._local.add(user_id, device_id, deliver, exclusive)
        try:
            claimed, others, first = await self._claims.attach(user_id, device_id, exclusive)
            if claimed:
                await self._subscriber.subscribe(self.channel(user_id))
        except FAILURES as exc:
            self._local.undo(user_id, device_id, deliver, previous)
            if device_id not in self._local.devices(user_id):  # no field left behind
                with contextlib.suppress(*FAILURES):
                    await self._claims.detach(user_id, device_id)
            raise BusUnavailable(f"redis: {exc}") from exc
        if not claimed:
            self._local.undo(user_id, device_id, deliver, previous)
            return Attached(False)
        if others:
            self._shared.add(user_id)
            await self._announce({user_id})  # subscribed: the answering bells are heard
        return Attached(True, first)

    async def detach(self, user_id: int, device_id: int, deliver: Deliver) -> bool:
        if not self._local.remove(user_id, device_id, deliver):
            # Not this session's to end (a later one took the device over, or it ended).
            try:
                return user_id not in self._local and not await self.online([user_id])
            except BusUnavailable:
                return False
        left_here = user_id not in self._local
        try:
            if left_here:
                self._shared.discard(user_id)
                await self._subscriber.unsubscribe(self.channel(user_id))
                if user_id in self._local:  # attached again meanwhile
                    await self._subscriber.subscribe(self.channel(user_id))
            remaining = await self._claims.detach(user_id, device_id)
        except Exception as exc:  # a logout must finish whatever the connection's state
            # The field names this instance; if it is left behind, other instances count
            # the session until this one stops renewing its lease.
            log.warning("redis bus: detaching user %d failed: %r", user_id, exc)
            return user_id not in self._local
        return not remaining and user_id not in self._local

    async def online(self, user_ids: Iterable[int]) -> set[int]:
        ids = list(user_ids)
        if not ids:
            return set()
        self._reachable()
        with unavailable():
            flags = await self._claims.online(ids)
        return {uid for uid, flag in zip(ids, flags, strict=True) if flag}

    async def online_devices(self, user_id: int) -> set[int]:
        self._reachable()
        with unavailable():
            return await self._claims.devices(user_id)

    # --- delivery ------------------------------------------------------------------

    async def publish(self, user_id: int, delivery: Delivery) -> bool:
        return not await self.publish_many([(user_id, delivery)])

    async def publish_many(self, items: Iterable[tuple[int, Delivery]]) -> list[int]:
        rest = self.publish_here(items)
        missed = await self.publish_elsewhere(rest)
        return [uid for uid in missed if uid not in self._local]

    def publish_here(self, items: Iterable[tuple[int, Delivery]]) -> list[tuple[int, Delivery]]:
        rest = []
        for uid, delivery in items:
            if not self._local.deliver(uid, delivery) or uid in self._shared:
                rest.append((uid, delivery))
        return rest

    async def publish_elsewhere(self, items: Iterable[tuple[int, Delivery]]) -> list[int]:
        sealed = seal_each(self.instance_id, items)
        if not sealed:
            return []
        try:
            self._reachable()
            counts = await self._publisher.publish([(self.channel(u), p) for u, p in sealed])
        except BusUnavailable:
            self._missed.add(uid for uid, _ in sealed)  # rung once Redis answers again
            raise
        # This instance's own subscription counts among those that heard, but drops it.
        heard = zip(sealed, counts, strict=True)
        return [uid for (uid, _), count in heard if count <= (uid in self._local)]

    async def group_changed(self, group_id: int) -> None:
        await self._tell(f"group:{group_id}".encode())

    async def ties_changed(self, user_id: int) -> None:
        await self._tell(f"ties:{user_id}".encode())

    # --- what is heard -------------------------------------------------------------

    def _dispatch(self, channel: bytes, payload: bytes) -> None:
        name = channel.decode()
        if name == self._control:
            kind, _, value = payload.decode().partition(":")
            if kind == "group" and value.isdigit() and self._listener is not None:
                self._listener.group_changed(int(value))
            elif kind == "ties" and value.isdigit() and self._listener is not None:
                self._listener.ties_changed(int(value))
            elif payload == RESUME and self._listener is not None:
                self._listener.resumed(list(self._local.users))
            return
        try:
            user_id = self.user_of(name)
            origin, inner = unseal(payload)
            if origin == self.instance_id:
                return  # its sessions were served directly
            if inner == JOIN:
                return self._joined(user_id)
            delivery = unpack(inner)
        except (ValueError, IndexError, ProtocolError):
            log.error("redis bus: undecodable message on %s: %r", name, payload[:200])
            return
        self._local.deliver(user_id, delivery)
        # Nobody here: the user left this instance meanwhile. Chats are in the log, and
        # the next login sends them; a notice for someone who left is moot.

    def _joined(self, user_id: int) -> None:
        """Another instance attached a user held here: deliveries go through their channel
        now, and the bell makes the newcomer read what was delivered only here."""
        if user_id not in self._local:
            return
        self._shared.add(user_id)
        bell = seal(self.instance_id, DOORBELL_PAYLOAD)
        self._publisher.send_later([(self.channel(user_id), bell)], "the doorbell after a join")
