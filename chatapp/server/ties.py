"""What is kept in memory of users' ties (blocks, strangers setting, accepted senders), so
that a one-to-one chat costs no query to know whether it may reach its recipient."""

from __future__ import annotations

import logging

from .bus import Bus, BusUnavailable
from .storage import Blocks, Ties

log = logging.getLogger(__name__)

SILENCED = 10_000
"""Chats dropped silently (to a user who blocks their sender) whose cid is remembered, so
that a retry is answered with the same mid, as a logged chat's would be."""


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
        self._silenced: dict[tuple[int, str], int] = {}

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

    def silenced(self, sender_id: int, cid: str | None, mid: int) -> int:
        """The mid to answer a silently dropped chat with: `mid`, or for a retry of a cid
        dropped before, the mid its first attempt was answered with."""
        if cid is None:
            return mid
        key = (sender_id, cid)
        first = self._silenced.get(key)
        if first is not None:
            return first
        if len(self._silenced) >= SILENCED:
            del self._silenced[next(iter(self._silenced))]
        self._silenced[key] = mid
        return mid
