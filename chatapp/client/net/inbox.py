"""Inbox: chat deliveries on their way to the app, each once, acknowledged in batches."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from chatapp.protocol import Ack, Chat, Delivered, Sync

from .errors import ClientError
from .receipts import Receipts

log = logging.getLogger(__name__)


class Inbox:
    """Drops deliveries the client holds already and acknowledges the rest in batches.

    At most one DELIVERED goes out per `ack_interval`. A number that stays missing for
    `gap_grace` seconds while nothing else arrives is asked for with SYNC: deliveries may
    arrive out of order, and a catch-up after a long absence fills gaps by itself.
    """

    def __init__(
        self,
        push: Callable[[Chat], None],
        post: Callable[[Delivered], bool],
        sync: Callable[[Sync], Awaitable[Ack]],
        *,
        ack_interval: float = 0.5,
        gap_grace: float = 1.0,
    ) -> None:
        self.ack_interval = ack_interval
        self.gap_grace = gap_grace
        self.receipts = Receipts()
        self._push = push
        self._post = post
        self._sync = sync
        self._last_ack = float("-inf")
        self._timer: asyncio.TimerHandle | None = None
        self._filler: asyncio.Task[None] | None = None

    @property
    def last(self) -> int | None:
        """The highest number held without a gap below it: LOGIN's `last` when resuming."""
        return self.receipts.floor

    def take(self, chats: Iterable[Chat]) -> list[Chat]:
        """The chats not held before; unnumbered ones always count as new."""
        return [chat for chat in chats if not chat.seq or self.receipts.take(chat.seq)]

    def take_number(self, seq: int | None) -> None:
        """Holds delivery `seq` (if any) without a chat to pass on: the copy, for the
        user's other devices, of a chat this one sent (its ACK names it), so that no gap
        is asked for."""
        if seq:
            self.receipts.take(seq)
            self.settle()

    def deliver(self, chat: Chat) -> None:
        """Passes a pushed chat on to the app unless it is a copy of one passed before."""
        for fresh in self.take((chat,)):
            self._push(fresh)

    def settle(self) -> None:
        """After a burst: acknowledges now or once the interval is up, and watches for gaps."""
        if self.receipts.due() is not None and self._timer is None:
            loop = asyncio.get_running_loop()
            wait = self._last_ack + self.ack_interval - loop.time()
            if wait <= 0:
                self.flush()
            else:
                self._timer = loop.call_later(wait, self.flush)
        if self.receipts.gap and self._filler is None:
            self._filler = asyncio.create_task(self._fill_gaps())

    def flush(self) -> None:
        """Acknowledges everything held without a gap, if a session is there to hear it."""
        self._timer = None
        seq = self.receipts.due()
        if seq is not None and self._post(Delivered(seq)):
            self.receipts.acked = seq
            self._last_ack = asyncio.get_running_loop().time()

    def online(self) -> None:
        """A login succeeded; the last acknowledgement may have been lost with the old link."""
        self.receipts.acked = 0
        self.settle()

    def offline(self) -> None:
        """The session is gone: nothing can be acknowledged or asked for until the next."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._filler is not None:
            self._filler.cancel()
            self._filler = None

    def restart(self) -> None:
        """Forgets every number: the next login starts a new session, maybe another user's."""
        self.offline()
        self.receipts = Receipts()
        self._last_ack = float("-inf")

    async def _fill_gaps(self) -> None:
        try:
            floor = self.receipts.floor
            while self.receipts.gap:
                await asyncio.sleep(self.gap_grace)
                if self.receipts.floor != floor:  # still rising: what is missing is on its way
                    floor = self.receipts.floor
                    continue
                if not await self._sync_after(floor):
                    return
                floor = self.receipts.floor
        finally:
            if self._filler is asyncio.current_task():
                self._filler = None
        self.settle()

    async def _sync_after(self, floor: int | None) -> bool:
        """Asks for what follows `floor` until the gap is filled; False if SYNC failed."""
        more = True
        while floor is not None and more and self.receipts.gap:
            try:
                ack = await self._sync(Sync(last=floor))
            except ClientError as exc:
                log.info("cannot fill a gap in the deliveries now: %s", exc)
                return False
            for chat in self.take(ack.messages or ()):
                self._push(chat)
            more, floor = ack.more, self.receipts.floor
        return True
