"""Journal: group commit of chats and delivery acknowledgements to the message log."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from .logs import shared
from .storage import DeviceAck, Logged, MessageLog, NewMessage
from .tally import SECONDS, SIZES, Histogram

log = logging.getLogger(__name__)

DEFAULT_MAX_BATCH = 256

Then = Callable[[Logged | None, BaseException | None], None]
"""What the writer calls once a message's batch is done: with what the log made of it, or
with the batch's error."""


class Journal:
    """Appends messages to the log in batches, each batch one transaction.

    A writer task runs while there is work: whatever arrived while it was committing goes
    into its next transaction, so a busy server commits many messages at once and an idle
    one commits each at once. Devices' acknowledgements ride along in the same
    transactions, each marking its device seen; a device not seen for `retention_ms`
    holds no deliveries back.
    """

    def __init__(
        self,
        storage: MessageLog,
        max_batch: int = DEFAULT_MAX_BATCH,
        *,
        now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        retention_ms: int = 30 * 24 * 3600 * 1000,
    ) -> None:
        self._storage = storage
        self._max_batch = max_batch
        self._now_ms = now_ms
        self._retention_ms = retention_ms
        self._queue: list[tuple[NewMessage, Then]] = []
        self._acks: dict[tuple[int, int], int] = {}  # (user id, device id): seq
        self._writer: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # A retry of a message still being written waits for the first one's result: the
        # retries of each (sender, cid) in the queue, none as yet for most.
        self._in_flight: dict[tuple[int, str], list[Then]] = {}
        self._settling: list[asyncio.Future[None]] = []
        # Counted per batch, never per chat, for the metrics.
        self.logged = 0  # chats committed
        self.batch_sizes = Histogram(SIZES)  # chats per batch that held any
        self.commit_seconds = Histogram(SECONDS)  # each transaction that succeeded

    def append(self, new: NewMessage, then: Then) -> None:
        """Queues a message for the next batch; the writer calls `then` once it is
        committed (or with the batch's error). The hot path: a chat costs no future and no
        turn of the loop between its commit and its deliveries."""
        key = (new.message.sender_id, new.cid) if new.cid is not None else None
        if key is not None:
            if (retries := self._in_flight.get(key)) is not None:
                retries.append(then)  # a retry while the first attempt is being written
                return
            self._in_flight[key] = []
        self._queue.append((new, then))
        if self._writer is None:
            self._kick()

    def submit(self, new: NewMessage) -> asyncio.Future[Logged]:
        """append, for a caller that awaits: the future completes once the message is
        committed (or fails with the batch's error)."""
        future: asyncio.Future[Logged] = self.loop().create_future()
        self.append(new, partial(_resolve, future))
        return future

    def loop(self) -> asyncio.AbstractEventLoop:
        """The running loop, kept: asyncio.get_running_loop() makes a getpid() system call
        on Python 3.11, and the journal and the fanout ask for it per chat."""
        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.get_running_loop()
        return self._loop

    def settled(self) -> asyncio.Future[None]:
        """A future done once the next batch is written (an empty one where nothing else
        waits), whatever its outcome: the answer to a chat that is not logged (dropped for
        a block) waits for it, so that it takes a logged chat's time."""
        future: asyncio.Future[None] = self.loop().create_future()
        self._settling.append(future)
        self._kick()
        return future

    def ack(self, user_id: int, device_id: int, seq: int) -> None:
        """Moves the device's delivery position up to `seq` with the next batch."""
        key = (user_id, device_id)
        if seq > self._acks.get(key, 0):
            self._acks[key] = seq
            self._kick()

    async def drain(self) -> None:
        """Waits until everything appended or acknowledged so far is written."""
        while self._writer is not None:
            await asyncio.wait([self._writer])

    def _kick(self) -> None:
        if self._writer is None:
            # Every connection's chats: not the lines of the one whose chat started it.
            loop = self.loop()
            self._writer = loop.create_task(self._write(), context=shared())

    async def _write(self) -> None:
        try:
            while self._queue or self._acks or self._settling:
                batch = self._queue[: self._max_batch]
                del self._queue[: len(batch)]
                acks, self._acks = self._acks, {}
                settling, self._settling = self._settling, []
                started = time.perf_counter()
                now = self._now_ms()
                device_acks = [DeviceAck(uid, device, seq) for (uid, device), seq in acks.items()]
                try:
                    results = await self._storage.log_messages(
                        [new for new, _ in batch],
                        device_acks,
                        seen_ms=now,
                        stale_ms=now - self._retention_ms,
                    )
                except Exception as exc:  # every waiter hears of it; the writer goes on
                    _settle(settling)
                    log.warning("journal: a batch of %d messages failed: %s", len(batch), exc)
                    for new, then in batch:
                        self._done(new, then, None, exc)
                    for key, seq in acks.items():
                        self._acks[key] = max(seq, self._acks.get(key, 0))
                    if not batch:
                        return  # only acks, and storage is failing: retry with the next append
                    continue
                self.commit_seconds.observe(time.perf_counter() - started)
                if size := len(batch):
                    self.logged += size
                    self.batch_sizes.observe(size)
                for (new, then), result in zip(batch, results, strict=True):
                    self._done(new, then, result, None)
                _settle(settling)
        finally:
            self._writer = None
            _settle(self._settling)  # stopped (shutdown): nobody is kept waiting
            self._settling = []

    def _done(
        self, new: NewMessage, then: Then, logged: Logged | None, exc: BaseException | None
    ) -> None:
        retries = self._in_flight.pop((new.message.sender_id, new.cid), None) if new.cid else None
        _call(then, logged, exc)
        if retries:  # duplicates of this one: the first message, logged once
            again = logged and replace(logged, first=logged.first or new.message)
            for retry in retries:
                _call(retry, again, exc)


def _call(then: Then, logged: Logged | None, exc: BaseException | None) -> None:
    try:
        then(logged, exc)
    except Exception:  # one waiter's failure is not the batch's, nor the others'
        log.exception("journal: after a commit")


def _resolve(
    future: asyncio.Future[Logged], logged: Logged | None, exc: BaseException | None
) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        assert logged is not None
        future.set_result(logged)


def _settle(futures: list[asyncio.Future[None]]) -> None:
    for future in futures:
        if not future.done():
            future.set_result(None)
