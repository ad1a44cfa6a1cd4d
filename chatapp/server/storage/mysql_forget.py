"""Deleting acknowledged deliveries from MySQL in the background, at most once a second.

A batch of the log used to delete the rows its acknowledgements passed in a transaction of
its own, right after its commit: a second COMMIT, and so a second flush of InnoDB's redo
log, for every batch. On this project's machine a flush takes about 3.5 ms, which made
the forgetting as dear as the logging. Every read of the log starts above the user's
cursor, so rows at or below it are not in the log whether or not they are deleted yet:
deleting them can wait. Forgetting keeps the highest cursor of each user acknowledged
since its last round and deletes their rows once a second (or at once when that many
users are waiting), on a connection of its own, while the batches go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping

from .base import StorageError

log = logging.getLogger(__name__)

INTERVAL = 1.0  # seconds between rounds
MAX_WAITING = 2000  # users whose rows are waiting: a round starts at once beyond this
CHUNK = 200  # users per DELETE transaction: bounds each statement's size and locks

Forget = Callable[[Mapping[int, int]], Awaitable[None]]
"""Deletes the rows of the users at or below their cursors, in one transaction."""


class Forgetting:
    """The users' cursors whose rows are still to be deleted, and the task that does it."""

    def __init__(self, forget: Forget, *, interval: float = INTERVAL) -> None:
        self._forget = forget
        self._interval = interval
        self._waiting: dict[int, int] = {}
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._hurry = asyncio.Event()  # the waiting round starts at once

    def add(self, cursors: Mapping[int, int]) -> None:
        """Takes the cursors of a committed batch; their rows go in the next round."""
        waiting = self._waiting
        for uid, seq in cursors.items():
            if seq > waiting.get(uid, -1):
                waiting[uid] = seq
        if len(waiting) >= MAX_WAITING:
            self._hurry.set()
        if self._task is None and waiting and not self._closed:
            self._task = asyncio.get_running_loop().create_task(self._round())

    async def _round(self) -> None:
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._hurry.wait(), self._interval)
            if not self._closed:
                self._hurry.clear()
            await self.flush()
        finally:
            self._task = None
            if self._waiting:  # more came during the round
                self.add({})

    async def flush(self) -> None:
        """Deletes every waiting user's rows now, a chunk of users per transaction. A chunk
        that fails is left: its rows stay below the cursors, and go with the users' next
        acknowledgements."""
        waiting, self._waiting = self._waiting, {}
        users = sorted(waiting)
        for start in range(0, len(users), CHUNK):
            chunk = {uid: waiting[uid] for uid in users[start : start + CHUNK]}
            try:
                await self._forget(chunk)
            except StorageError as exc:
                log.warning("acknowledged deliveries are left for the next time: %s", exc)
                return

    async def close(self) -> None:
        """Stops the timer and deletes what is waiting (at a clean shutdown); what is
        acknowledged after this waits for the users' next acknowledgements."""
        self._closed = True
        self._hurry.set()
        if self._task is not None:
            await self._task
        await self.flush()
