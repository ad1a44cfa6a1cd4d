"""MemoryBus: the in-process bus for a single server instance."""

from __future__ import annotations

from collections.abc import Iterable

from .base import BusListener, Deliver, Delivery


class MemoryBus:
    """Presence and delivery within one process: a dict of user id to session callback."""

    def __init__(self) -> None:
        self._attached: dict[int, Deliver] = {}
        self.node = 0  # the only instance
        self.connected = False  # from start to close: nothing to lose in between
        self.reconnects = 0

    @classmethod
    def from_url(cls, url: str) -> MemoryBus:
        """memory:// takes no options."""
        return cls()

    async def start(self, listener: BusListener) -> None:
        # Deliveries are synchronous calls, so none can arrive after its user left.
        self.connected = True

    async def close(self) -> None:
        self.connected = False
        self._attached.clear()

    async def attach(self, user_id: int, deliver: Deliver) -> bool:
        # No await between the check and the insert: two logins cannot both pass.
        if user_id in self._attached:
            return False
        self._attached[user_id] = deliver
        return True

    async def detach(self, user_id: int) -> None:
        self._attached.pop(user_id, None)

    async def online(self, user_ids: Iterable[int]) -> set[int]:
        return {uid for uid in user_ids if uid in self._attached}

    async def publish(self, user_id: int, delivery: Delivery) -> bool:
        deliver = self._attached.get(user_id)
        if deliver is None:
            return False
        deliver(delivery)
        return True

    async def publish_many(self, items: Iterable[tuple[int, Delivery]]) -> list[int]:
        missed = []
        for uid, delivery in items:
            deliver = self._attached.get(uid)
            if deliver is None:
                missed.append(uid)
            else:
                deliver(delivery)
        return missed

    def publish_here(self, items: Iterable[tuple[int, Delivery]]) -> list[tuple[int, Delivery]]:
        for uid, delivery in items:
            deliver = self._attached.get(uid)
            if deliver is not None:
                deliver(delivery)
        return []  # there are no other instances: the rest are offline

    async def group_changed(self, group_id: int) -> None:
        # There is no other instance to tell.
        return None

    async def ties_changed(self, user_id: int) -> None:
        return None  # as group_changed
