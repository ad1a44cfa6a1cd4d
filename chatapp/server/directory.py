"""What is kept in memory of users and groups, so that a chat costs no query but its log."""

from __future__ import annotations

from .storage import Storage

DEFAULT_CAPACITY = 10_000


class GroupDirectory:
    """Member ids per group, loaded on first use and updated by this instance's changes.

    Bounded: past `capacity` groups the least recently loaded is forgotten and read
    again when next needed.
    """

    def __init__(self, storage: Storage, capacity: int = DEFAULT_CAPACITY) -> None:
        self._storage = storage
        self._capacity = capacity
        self._members: dict[int, frozenset[int]] = {}

    async def members(self, group_id: int) -> frozenset[int] | None:
        """The ids of the group's members, or None for an unknown group."""
        members = self._members.get(group_id)
        if members is None:
            ids = await self._storage.group_member_ids(group_id)
            if ids is None:
                return None
            members = self._remember(group_id, frozenset(ids))
        return members

    def cached(self, group_id: int) -> frozenset[int] | None:
        """The member ids if they are in memory (no query), else None."""
        return self._members.get(group_id)

    def joined(self, group_id: int, member_ids: frozenset[int]) -> None:
        """Records a group's members after a change made here."""
        self._remember(group_id, member_ids)

    def added(self, group_id: int, user_id: int) -> None:
        """Records a member who joined here, if the group is in memory: one that is not
        is read when next needed."""
        members = self._members.get(group_id)
        if members is not None:
            self._members[group_id] = members | {user_id}

    def removed(self, group_id: int, user_id: int) -> None:
        """Records a member who left or was removed here, at once: from now on no chat of
        the group goes to them, and they may send none."""
        members = self._members.get(group_id)
        if members is not None:
            self._members[group_id] = members - {user_id}

    def forget(self, group_id: int) -> None:
        """Drops a group whose membership changed elsewhere."""
        self._members.pop(group_id, None)

    def clear(self) -> None:
        """Drops everything: changes made elsewhere may have gone unheard."""
        self._members.clear()

    def _remember(self, group_id: int, members: frozenset[int]) -> frozenset[int]:
        self._members.pop(group_id, None)
        if len(self._members) >= self._capacity:
            del self._members[next(iter(self._members))]
        self._members[group_id] = members
        return members


class KnownUsers:
    """Ids of existing accounts. Accounts are never deleted, so an id once found stays
    valid; ids not found are asked again (they may be registered on another instance)."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._known: set[int] = set()

    def add(self, user_id: int) -> None:
        self._known.add(user_id)

    def known(self, user_id: int) -> bool:
        """True if the id is known to exist (no query); False: ask `exists`."""
        return user_id in self._known

    async def exists(self, user_id: int) -> bool:
        if user_id in self._known:
            return True
        if await self._storage.user_by_id(user_id) is None:
            return False
        self._known.add(user_id)
        return True
