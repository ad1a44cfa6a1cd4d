"""What the Redis bus does while and after Redis is out of reach: what needs Redis refused
at once, its sessions given up when its lease may have run out (redis_fence.py), claimed
again when Redis lost them, and what it could not publish made up for once Redis answers
again (deliveries rung for, group and ties changes told again)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from .base import BusListener, BusUnavailable, EndSession
from .envelope import DOORBELL_PAYLOAD, JOIN, seal
from .memory import Sessions
from .redis_fence import Fence
from .redis_lease import Claims, Lease
from .redis_publisher import Missed, Publisher
from .redis_subscriber import LOST, Subscriptions

log = logging.getLogger(__name__)

CUT_OFF = "this server was cut off from the others for {seconds:.1f} s: log in again"
MOVED = "this device logged in elsewhere while this server was cut off"
RESUME = b"resume:0"
"""On the control channel: every instance rings all its users (too many were missed)."""


class Recovery:
    """RedisBus's part in recovery; RedisBus provides what is declared here."""

    instance_id: str
    lease_seconds: float
    _control: str
    _local: Sessions
    _shared: set[int]
    _listener: BusListener | None
    _lease: Lease
    _fence: Fence
    _claims: Claims
    _subscriber: Subscriptions
    _publisher: Publisher
    _missed: Missed
    _given_up: int
    _background: set[asyncio.Task[None]]

    def channel(self, user_id: int) -> str:
        raise NotImplementedError

    async def _announce(self, user_ids: set[int]) -> None:
        """Publishes `join` on these users' channels (held here, and elsewhere too)."""
        join = seal(self.instance_id, JOIN)
        if not user_ids:
            return
        try:
            await self._publisher.publish([(self.channel(uid), join) for uid in user_ids])
        except BusUnavailable as exc:  # the recovery after the reconnection tells them
            log.warning("redis bus: could not announce %d users: %s", len(user_ids), exc)

    def _reachable(self) -> None:
        """Raises BusUnavailable at once while Redis is out of reach (see Fence.failing)."""
        if self._fence.failing:
            raise BusUnavailable("redis: out of reach (no lease renewal confirmed lately)")

    async def _tell(self, payload: bytes) -> None:
        """A control message: told again once Redis answers, if it cannot be now."""
        try:
            self._reachable()
            await self._publisher.publish([(self._control, payload)])
        except BusUnavailable:
            self._missed.add((), [payload])
            raise

    async def _recover(self) -> None:
        """Once subscribed again: the lease held (or given up, see redis_fence.py), every
        session here claimed again."""
        await self._fence.hold()
        await self._claim_again()

    def _recovered(self) -> None:
        log.warning("redis bus: reconnected; %d users resubscribed", len(self._local.users))
        if self._listener is not None:
            self._listener.resumed(list(self._local.users))

    async def _claim_again(self) -> None:
        """Every session here claimed again (Redis may have restarted empty), the shared
        users found anew and announced. A session that cannot be (its device, or a legacy
        console of the user, got in elsewhere meanwhile) is ended: a legacy one through the
        listener, any other told to end, so that its client logs in again."""
        refused, self._shared = await self._claims.reclaim(self._local)
        evicted = []
        for uid, device_id in refused:
            deliver = self._local.users[uid][device_id]
            exclusive = (uid, device_id) in self._local.exclusive
            self._local.remove(uid, device_id, deliver)
            if exclusive:
                evicted.append(uid)
            else:
                deliver(EndSession(device_id, MOVED))
        if refused:
            log.warning(
                "redis bus: %d sessions were taken elsewhere meanwhile: ended", len(refused)
            )
            gone = {uid for uid, _ in refused if uid not in self._local}
            self._shared -= gone
            await self._unsubscribe(gone)
        if evicted and self._listener is not None:
            self._listener.evicted(sorted(evicted))
        await self._announce(self._shared)
        await self._ring_missed()

    def _give_up(self, unconfirmed: float) -> None:
        """The lease may have run out: every session here ends (see redis_fence.py)."""
        self.instance_id = self._lease.instance_id  # what its envelopes are sealed with
        ended = [
            (u, d, deliver) for u, ds in self._local.users.items() for d, deliver in ds.items()
        ]
        users = set(self._local.users)
        self._local.clear()
        self._shared.clear()
        self._given_up += len(ended)
        log.error(
            "redis bus: lease lost: no renewal confirmed for %.1f s (the lease is %.1f s), so "
            "other instances may count this one's sessions as gone: gave up %d sessions of "
            "%d users (their clients log in again); now instance %s",
            unconfirmed, self.lease_seconds, len(ended), len(users), self.instance_id,
        )  # fmt: skip
        why = CUT_OFF.format(seconds=unconfirmed)
        for _, device_id, deliver in ended:
            deliver(EndSession(device_id, why))
        self._later(self._unsubscribe(users))

    def _healed(self, without: float) -> None:
        """Redis confirmed a renewal again, after `without` seconds."""
        log.warning(
            "redis bus: lease renewed again after %.1f s without a renewal; %d sessions "
            "had been given up",
            without, self._given_up,
        )  # fmt: skip
        self._given_up = 0
        self._later(self._ring_missed())

    async def _ring_missed(self) -> None:
        """Makes up for what could not be published: rings the users whose deliveries
        missed, sends the control messages again (or, past the cap, asks every instance
        to ring all its users and forget its caches)."""
        users, control, everyone = self._missed.take()
        if not users and not control and not everyone:
            return
        bell = seal(self.instance_id, DOORBELL_PAYLOAD)
        commands = [(self.channel(uid), bell) for uid in sorted(users)]
        commands += [(self._control, payload) for payload in sorted(control)]
        if everyone:
            commands.append((self._control, RESUME))
        try:
            await self._publisher.publish(commands)
        except BusUnavailable as exc:
            log.warning("redis bus: could not make up for %d missed yet: %s", len(commands), exc)
            self._missed.add(users, control)
            self._missed.everyone |= everyone
        else:
            log.info("redis bus: rang %d users, told %d changes again", len(users), len(control))

    async def _unsubscribe(self, user_ids: set[int]) -> None:
        """Stops hearing the channels of users no longer held here (best effort: the next
        reconnection subscribes only to those held)."""
        with contextlib.suppress(*LOST):
            async with asyncio.timeout(self.lease_seconds):
                for uid in user_ids:
                    if uid not in self._local:
                        await self._subscriber.unsubscribe(self.channel(uid))

    def _later(self, job: Coroutine[Any, Any, None]) -> None:
        """Runs a coroutine in the background; close() cancels what is left."""
        task = asyncio.get_running_loop().create_task(job)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
