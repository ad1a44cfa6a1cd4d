"""What is kept in memory of users' ties (blocks, strangers setting, accepted senders), so
that a one-to-one chat costs no query to know whether it may reach its recipient."""

from __future__ import annotations

import logging
from typing import Any

from .bus import Bus, BusUnavailable
from .storage import Blocks, Ties

log = logging.getLogger(__name__)

SILENCED = 10_000
"""Chats dropped silently (to a user who blocks their sender) whose cid is remembered, so
that a retry is answered with the same mid, as a logged chat's would be; and as many
(sender, recipient) pairs with their count of chats dropped."""


class TieDirectory:
    """Each recipient's Ties, loaded on first use and forgotten when they change, here or
    (told by the bus) on another instance.

    Bounded: past `capacity` users the least recently loaded is forgotten and read again
    when next needed. A load that a change overtook is used but not kept.
    """

    def __init__(self, storage: Blocks, bus: Bus, capacity: int) -> None:
        self._storage = storage
        self._bus = bus
        self._capacity = capacity
        self._ties: dict[int, Ties] = {}
        self._changes = 0
        self._silenced: dict[tuple[int, Any], int] = {}  # (sender, cid): mid
        self._drops: dict[tuple[int, Any], int] = {}  # (sender, recipient): chats dropped

    def cached(self, user_id: int) -> Ties | None:
        """The user's ties if they are in memory (no query), else None: ask `load`."""
        return self._ties.get(user_id)

    async def load(self, user_id: int) -> Ties:
        """The user's ties, read from storage unless they are in memory."""
        ties = self._ties.get(user_id)
        if ties is not None:
            return ties
        changes = self._changes
        ties = await self._storage.ties(user_id)
        if changes == self._changes:
            if len(self._ties) >= self._capacity:
                del self._ties[next(iter(self._ties))]
            self._ties[user_id] = ties
        return ties

    async def blocked(self, user_id: int, by_id: int) -> bool:
        """Whether `user_id` is blocked by `by_id`: no query where `by_id`'s ties are in
        memory. For checks beside chats: friend requests, invites, typing, receipts."""
        return user_id in (await self.load(by_id)).blocked

    async def changed(self, user_id: int) -> None:
        """The user's ties changed here: forgotten, and the other instances told."""
        self.forget(user_id)
        try:
            await self._bus.ties_changed(user_id)
        except BusUnavailable as exc:
            # The other instances clear their caches when their bus is back (resumed).
            log.warning("ties of user %d changed, other instances not told: %s", user_id, exc)

    def forget(self, user_id: int) -> None:
        """Drops a user whose ties changed (here, or elsewhere)."""
        self._changes += 1
        self._ties.pop(user_id, None)

    def clear(self) -> None:
        """Drops everything: changes made elsewhere may have gone unheard."""
        self._changes += 1
        self._ties.clear()

    def dropped(self, sender_id: int, target: int, cid: str | None, mid: int) -> tuple[int, int]:
        """A chat from `sender_id` to `target`, who blocks them, is dropped: the mid to
        answer it with (`mid`, or for a retry of a cid dropped before, the first attempt's)
        and how many chats of the sender to `target` were dropped (a retry counts once), so
        that a blocked sender is refused where a stranger's held messages would be."""
        first = self._silenced.get((sender_id, cid)) if cid is not None else None
        if first is not None:
            return first, self._drops.get((sender_id, target), 1)
        if cid is not None:
            _bounded(self._silenced, (sender_id, cid), mid)
        count = self._drops.get((sender_id, target), 0) + 1
        _bounded(self._drops, (sender_id, target), count)
        return mid, count


def _bounded(memo: dict[tuple[int, Any], int], key: tuple[int, Any], value: int) -> None:
    """Sets `key`, forgetting the oldest entry past SILENCED."""
    if key not in memo and len(memo) >= SILENCED:
        del memo[next(iter(memo))]
    memo[key] = value
