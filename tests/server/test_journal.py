"""The journal: batches, and a retry of a message still being written."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest

from chatapp.server.journal import Journal
from chatapp.server.storage import DeviceAck, Kind, Logged, NewMessage, StoredMessage
from chatapp.server.storage.sqlite import SQLiteStorage


@pytest.fixture
async def storage() -> AsyncIterator[SQLiteStorage]:
    storage = SQLiteStorage(":memory:")
    await storage.open()
    yield storage
    await storage.close()


def chat(sender: int, to: int, mid: int) -> StoredMessage:
    return StoredMessage(mid, Kind.DIRECT, sender, "a", to, "hi", "2026-11-27 10:00:00", mid)


async def test_a_retry_while_the_first_is_queued_shares_its_message(storage: SQLiteStorage) -> None:
    a = (await storage.create_user("a", "h")).id
    b = (await storage.create_user("b", "h")).id
    journal = Journal(storage)
    first = journal.submit(NewMessage(chat(a, b, 101), (b,), "c-1"))
    retry = journal.submit(NewMessage(chat(a, b, 102), (b,), "c-1"))  # before any commit
    other = journal.submit(NewMessage(chat(a, b, 103), (b,), "c-2"))
    assert await asyncio.wait_for(first, 5) == Logged(101, ((b, 1),))
    assert await asyncio.wait_for(retry, 5) == Logged(101, ((b, 1),), chat(a, b, 101))
    assert await asyncio.wait_for(other, 5) == Logged(103, ((b, 2),))
    pending = await storage.pending(b, None, 10)
    assert [m.mid for _, m in pending.deliveries] == [101, 103]  # logged once


async def test_a_failed_batch_fails_every_waiter_and_the_journal_goes_on(
    storage: SQLiteStorage,
) -> None:
    a = (await storage.create_user("a", "h")).id
    journal = Journal(storage)
    doomed = journal.submit(NewMessage(chat(a, 999, 201), (999,), "c-1"))  # no user 999
    retry = journal.submit(NewMessage(chat(a, 999, 202), (999,), "c-1"))
    for future in (doomed, retry):
        with pytest.raises(Exception, match="999"):
            await asyncio.wait_for(future, 5)
    b = (await storage.create_user("b", "h")).id
    assert await asyncio.wait_for(
        journal.submit(NewMessage(chat(a, b, 203), (b,), "c-1")), 5
    ) == Logged(203, ((b, 1),))


class Counting:
    """A log that counts its batches and can be made to fail."""

    def __init__(self, storage: SQLiteStorage) -> None:
        self.storage = storage
        self.batches: list[int] = []
        self.failing = False

    async def log_messages(
        self,
        batch: list[NewMessage],
        acks: Sequence[DeviceAck] = (),
        *,
        seen_ms: int = 0,
        stale_ms: int = 0,
    ) -> list[Logged]:
        self.batches.append(len(batch))
        if self.failing:
            raise RuntimeError("storage down")
        return await self.storage.log_messages(batch, acks, seen_ms=seen_ms, stale_ms=stale_ms)


async def test_settled_waits_for_a_batch_to_be_written_even_an_empty_one(
    storage: SQLiteStorage,
) -> None:
    counting = Counting(storage)
    journal = Journal(counting)  # type: ignore[arg-type]
    await asyncio.wait_for(journal.settled(), 5)
    assert counting.batches == [0]  # nothing else waited: an empty batch was written
    a = (await storage.create_user("a", "h")).id
    logged = journal.submit(NewMessage(chat(a, a, 301), (a,)))
    settled = journal.settled()
    await asyncio.wait_for(settled, 5)
    assert logged.done() and counting.batches == [0, 1]  # with the message's batch
    counting.failing = True
    await asyncio.wait_for(journal.settled(), 5)  # a failed batch settles it all the same
    assert counting.batches == [0, 1, 0]
