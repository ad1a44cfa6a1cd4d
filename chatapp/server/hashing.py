"""HashQueue: the password-hashing threads and what waits for them, bounded, logins first."""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from chatapp.protocol import Errno

from .errors import ChatError
from .futures import pass_on
from .passwords import hash_password, verify_password

T = TypeVar("T")

BUSY = "the server is busy hashing passwords: retry in a few seconds"


@dataclass(frozen=True, slots=True, eq=False)
class _Job:
    """One hash to compute, and the future its requester awaits."""

    future: asyncio.Future[Any]
    function: Callable[..., Any]
    args: tuple[Any, ...]


class HashQueue:
    """A hash starts at once while a thread is free; otherwise it waits, password checks
    (logins) ahead of new hashes (registrations), so that a flood of registrations
    delays a login by at most the hashes already running.

    At most `max_waiting` wait. Beyond that a request is refused at once with errno 16,
    before any hashing; a login that finds the queue full takes the place of the newest
    registration waiting, which is refused instead. A login is refused only when logins
    alone fill the queue.
    """

    def __init__(self, threads: int, max_waiting: int) -> None:
        # Every core but one by default: hashing queues here instead of taking the CPU the
        # event loop needs to keep chats flowing. hashlib releases the GIL in scrypt.
        self.threads = threads if threads > 0 else max(1, (os.cpu_count() or 2) - 1)
        self.max_waiting = max_waiting
        self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="chatapp-scrypt")
        self._running = 0
        self._logins: deque[_Job] = deque()
        self._registrations: deque[_Job] = deque()

    @property
    def waiting(self) -> int:
        """Hashes waiting for a thread."""
        return len(self._logins) + len(self._registrations)

    def verify(self, password: str, encoded: str) -> asyncio.Future[bool]:
        """A login's password check; raises ChatError (errno 16) when logins fill the queue."""
        full = self._running >= self.threads and self.waiting >= self.max_waiting
        if full and self._registrations:
            self._registrations.pop().future.set_exception(ChatError(Errno.BUSY, BUSY))
        return self._submit(self._logins, verify_password, password, encoded)

    def hash(self, password: str, cost: int) -> asyncio.Future[str]:
        """A registration's new hash; raises ChatError (errno 16) when the queue is full."""
        return self._submit(self._registrations, hash_password, password, cost)

    def close(self) -> None:
        """Refuses what waits; threads finish the hash they are on and end."""
        for queue in (self._logins, self._registrations):
            while queue:
                queue.popleft().future.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _submit(
        self, queue: deque[_Job], function: Callable[..., T], *args: Any
    ) -> asyncio.Future[T]:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        if self._running < self.threads:
            self._start(_Job(future, function, args))
        elif self.waiting >= self.max_waiting:
            raise ChatError(Errno.BUSY, BUSY)
        else:
            job = _Job(future, function, args)
            queue.append(job)
            future.add_done_callback(lambda _: self._withdraw(queue, job))
        return future

    def _withdraw(self, queue: deque[_Job], job: _Job) -> None:
        """A waiting job's requester gave up (its connection closed at shutdown, say)."""
        if job.future.cancelled() and job in queue:
            queue.remove(job)  # at most max_waiting long

    def _start(self, job: _Job) -> None:
        self._running += 1
        loop = asyncio.get_running_loop()
        work = loop.run_in_executor(self._executor, job.function, *job.args)
        pass_on(work, job.future, _same)
        work.add_done_callback(self._finished)

    def _finished(self, _: asyncio.Future[Any]) -> None:
        self._running -= 1
        while self._running < self.threads and (self._logins or self._registrations):
            self._start((self._logins or self._registrations).popleft())


def _same(value: T) -> T:
    return value
