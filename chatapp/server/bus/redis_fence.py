"""The Redis bus's fence: the instance's lease kept alive, and what happens once it may
have run out.

Other instances count this one's sessions only while its lease lives. Once no renewal has
been confirmed for a whole lease (a partition, a process that stalled), they may have
counted those sessions as gone and let the same devices, or a legacy console, in
elsewhere. So the instance gives every session up (the bus tells each to end; its client
logs in again and resumes from the log), says so in its log, and serves on under a new
instance id, under which nothing claimed before can count again. Short of a whole lease
nothing changes for users. Where Redis no longer holds a lease renewed less than a lease
ago (it restarted empty, or a replica without it took over), the lease is made again and
the sessions are claimed again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from .redis_lease import Lease, stop_if_cancelled
from .redis_publisher import FAILURES

log = logging.getLogger(__name__)


class Fence:
    """Renews the lease every third of it, each attempt bounded, and watches the clock.

    `lapsed(seconds)` is called, on the event loop, when the lease may have run out:
    `seconds` since the last renewal Redis confirmed was sent. `reclaim()` is awaited
    where Redis lost a lease that had not run out. `healed(seconds)` is called at the
    first confirmed renewal after failed ones: `seconds` without one.
    """

    def __init__(
        self,
        lease: Lease,
        lapsed: Callable[[float], None],
        reclaim: Callable[[], Awaitable[None]],
        healed: Callable[[float], None],
    ) -> None:
        self._lease = lease
        self._lapsed = lapsed
        self._reclaim = reclaim
        self._healed = healed
        self._lock = asyncio.Lock()  # the keeper and a reconnection may both renew
        self._out_since: float | None = None  # when the failing began (monotonic)
        self.lapses = 0

    async def hold(self) -> bool:
        """Renews the lease (raising what Redis raises); True where the sessions must be
        claimed again, as Redis had lost a lease that had not run out. A lease that ran
        out is lapsed (see the module docstring) and made anew under the new id."""
        async with self._lock:
            lease = self._lease
            if await lease.renew():
                self._back()
                return False
            lost = lease.renewed_at is not None and lease.unconfirmed() < lease.seconds
            if lost:
                log.warning(
                    "redis bus: Redis no longer held the lease, renewed %.1f s ago "
                    "(restarted?): made again, and the sessions claimed again",
                    lease.unconfirmed(),
                )
                lease.renewed_at = None
            else:
                self.lapse()
            await lease.renew()  # the first renewal of an id: it makes the lease
            self._back()
            return lost

    @property
    def failing(self) -> bool:
        """Whether Redis seems out of reach: no renewal confirmed for half a lease (one is
        due every third), or none since a lapse. The bus then refuses at once what needs
        Redis (a login, a look at presence, a publish), rather than wait on a dead link."""
        lease = self._lease
        if lease.renewed_at is None:
            return self._out_since is not None
        return lease.unconfirmed() >= lease.seconds / 2

    def check(self) -> None:
        """Lapses the lease if no renewal was confirmed for a whole lease."""
        lease = self._lease
        if lease.renewed_at is not None and lease.unconfirmed() >= lease.seconds:
            self.lapse()

    def lapse(self) -> None:
        """The lease may have run out: the sessions are given up, and a new id taken."""
        unconfirmed = self._lease.unconfirmed()
        if self._out_since is None:
            self._out_since = self._lease.renewed_at or time.monotonic()
        self._lease.start_over()
        self.lapses += 1
        self._lapsed(unconfirmed)

    def _failed(self, exc: BaseException) -> None:
        if self._out_since is None:
            self._out_since = self._lease.renewed_at or time.monotonic()
            log.warning("redis bus: lease renewal failed: %r", exc)
        else:
            log.debug("redis bus: lease renewal failed again: %r", exc)

    def _back(self) -> None:
        if self._out_since is not None:
            without = time.monotonic() - self._out_since
            self._out_since = None
            self._healed(without)

    def _budget(self) -> float:
        """How long the next attempt may take: until the lease could run out; after a
        lapse, a sixth of the lease, so that a dead connection is soon replaced by a new
        one, which gets through as soon as the path heals."""
        lease = self._lease
        if lease.renewed_at is None:
            return lease.seconds / 6
        return max(0.05, lease.seconds - lease.unconfirmed())

    async def keep(self) -> None:
        """Renews the lease for as long as the task runs. An attempt may take until the
        lease could run out (a renewal stalled by a short cut goes through when TCP sends
        it again), then the clock decides."""
        seconds = self._lease.seconds
        pause = seconds / 3
        while True:
            await asyncio.sleep(pause)
            try:
                async with asyncio.timeout(self._budget()):
                    again = await self.hold()
                if again:
                    await self._reclaim()
                # Every third of the lease from when the last one was sent: a slow Redis
                # (a round trip of up to half the lease) does not push renewals apart.
                pause = max(0.0, seconds / 3 - self._lease.unconfirmed())
            except FAILURES as exc:
                self._failed(exc)
                pause = min(seconds / 12, self._budget())
            finally:  # redis-py may swallow a cancellation, or make it an error
                stop_if_cancelled()
            self.check()
