"""MemoryBus: the in-process bus for a single server instance, and the table of the
sessions attached to an instance, which the Redis bus keeps too."""

from __future__ import annotations

from collections.abc import Iterable

from .base import Attached, BusListener, Deliver, Delivery


class Sessions:
    """The sessions attached to one instance: user id to device id to session callback,
    and which of them are exclusive (legacy)."""

    def __init__(self) -> None:
        self.users: dict[int, dict[int, Deliver]] = {}
        self.exclusive: set[tuple[int, int]] = set()

    def __contains__(self, user_id: int) -> bool:
        return user_id in self.users

    def admits(self, user_id: int, device_id: int, exclusive: bool) -> bool:
        """Whether this instance lets the session in: an exclusive one only where the user
        has no session here; any other unless another device holds an exclusive one."""
        devices = self.users.get(user_id, {})
        if exclusive:
            return not devices
        return not any((user_id, d) in self.exclusive for d in devices if d != device_id)

    def add(
        self, user_id: int, device_id: int, deliver: Deliver, exclusive: bool
    ) -> tuple[Deliver | None, bool]:
        """Routes the device to `deliver`; returns what it replaced (callback, exclusive)."""
        devices = self.users.setdefault(user_id, {})
        key = (user_id, device_id)
        previous = devices.get(device_id), key in self.exclusive
        devices[device_id] = deliver
        if exclusive:
            self.exclusive.add(key)
        else:
            self.exclusive.discard(key)
        return previous

    def undo(
        self, user_id: int, device_id: int, deliver: Deliver, previous: tuple[Deliver | None, bool]
    ) -> None:
        """Takes back an `add` that failed, unless a later one replaced it meanwhile."""
        if not self.remove(user_id, device_id, deliver):
            return
        earlier, exclusive = previous
        if earlier is not None:
            self.add(user_id, device_id, earlier, exclusive)

    def remove(self, user_id: int, device_id: int, deliver: Deliver) -> bool:
        """Ends the device's session if `deliver` is the one routed for it; whether it was."""
        devices = self.users.get(user_id)
        if devices is None or devices.get(device_id) != deliver:
            return False
        del devices[device_id]
        self.exclusive.discard((user_id, device_id))
        if not devices:
            del self.users[user_id]
        return True

    def devices(self, user_id: int) -> set[int]:
        return set(self.users.get(user_id, ()))

    def deliver(self, user_id: int, delivery: Delivery) -> bool:
        """Hands the delivery to each of the user's sessions here; whether there was one."""
        devices = self.users.get(user_id)
        if not devices:
            return False
        if len(devices) == 1:  # the common case, once per chat: no copy of the table
            next(iter(devices.values()))(delivery)
            return True
        for deliver in tuple(devices.values()):  # a callback may end a session
            deliver(delivery)
        return True

    def clear(self) -> None:
        self.users.clear()
        self.exclusive.clear()


class MemoryBus:
    """Presence and delivery within one process: every session is attached here."""

    def __init__(self) -> None:
        self._sessions = Sessions()
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
        self._sessions.clear()

    async def attach(
        self, user_id: int, device_id: int, deliver: Deliver, *, exclusive: bool = False
    ) -> Attached:
        # No await between the check and the insert: two logins cannot both pass.
        if not self._sessions.admits(user_id, device_id, exclusive):
            return Attached(False)
        first = user_id not in self._sessions
        self._sessions.add(user_id, device_id, deliver, exclusive)
        return Attached(True, first)

    async def detach(self, user_id: int, device_id: int, deliver: Deliver) -> bool:
        self._sessions.remove(user_id, device_id, deliver)
        return user_id not in self._sessions

    async def online(self, user_ids: Iterable[int]) -> set[int]:
        return {uid for uid in user_ids if uid in self._sessions}

    async def online_devices(self, user_id: int) -> set[int]:
        return self._sessions.devices(user_id)

    async def publish(self, user_id: int, delivery: Delivery) -> bool:
        return self._sessions.deliver(user_id, delivery)

    async def publish_many(self, items: Iterable[tuple[int, Delivery]]) -> list[int]:
        return [uid for uid, delivery in items if not self._sessions.deliver(uid, delivery)]

    def publish_here(self, items: Iterable[tuple[int, Delivery]]) -> list[tuple[int, Delivery]]:
        for uid, delivery in items:
            self._sessions.deliver(uid, delivery)
        return []  # there are no other instances: the rest are offline

    async def publish_elsewhere(self, items: Iterable[tuple[int, Delivery]]) -> list[int]:
        return [uid for uid, _ in items]  # no other instance takes anything

    async def group_changed(self, group_id: int) -> None:
        # There is no other instance to tell.
        return None

    async def ties_changed(self, user_id: int) -> None:
        return None  # as group_changed
