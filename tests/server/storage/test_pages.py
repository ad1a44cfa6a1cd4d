"""The Storage contract for lists read in pages, run against every backend: a walk from
the first page to the last returns every item exactly once, in order of id."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from chatapp.server.storage import CREATOR, NORMAL, Contact, Group, Member, Storage, User

T = TypeVar("T", bound=Contact | Member | Group)


async def users(storage: Storage, prefix: str, count: int) -> list[User]:
    return [await storage.create_user(f"{prefix}{n}", "scrypt$x") for n in range(count)]


async def walk(
    read: Callable[[int | None, int], Awaitable[Sequence[T] | None]], size: int
) -> list[T]:
    """Every item, a page of `size` at a time, each page after the last id of the one before."""
    found: list[T] = []
    after: int | None = None
    while True:
        page = await read(after, size)
        assert page is not None
        assert len(page) <= size
        found += page
        if len(page) < size:
            return found
        after = page[-1].id


async def test_a_walk_through_friends_finds_each_once_in_order(storage: Storage) -> None:
    me, *others = await users(storage, "u", 12)
    for other in reversed(others):
        await storage.add_friendship(other.id, me.id)
    for size in (1, 5, 11, 12):
        found = await walk(lambda after, limit: storage.friends(me.id, after, limit), size)
        assert [(f.id, f.name) for f in found] == [(o.id, o.name) for o in others]
    assert await storage.friend_ids(me.id) == [o.id for o in others]
    assert await storage.friends(me.id, others[-1].id, 5) == []
    assert await storage.friend_ids(others[0].id) == [me.id]
    assert await storage.friend_ids(me.id + 1000) == []


async def test_a_walk_through_groups_finds_each_once_with_its_count(storage: Storage) -> None:
    me, *others = await users(storage, "u", 4)
    made = []
    for n in range(9):
        owner, *joiners = others[: n % 3 + 1]
        group = await storage.create_group(f"g{n}", f"d{n}", owner.id)
        for joiner in joiners:
            await storage.join_group(group.id, joiner.id)
        made.append(await storage.join_group(group.id, me.id))
        assert made[-1] == Group(group.id, f"g{n}", f"d{n}", n % 3 + 2)
    for size in (1, 2, 8, 9, 10):
        found = await walk(lambda after, limit: storage.groups_of(me.id, after, limit), size)
        assert found == made
    assert await storage.groups_of(me.id, made[-1].id, 3) == []


async def test_a_walk_through_members_finds_each_once_with_its_role(storage: Storage) -> None:
    everyone = await users(storage, "u", 13)
    creator = everyone[7]
    group = await storage.create_group("big", "", creator.id)
    for user in everyone:
        if user is not creator:
            await storage.join_group(group.id, user.id)
    expected = [Member(u.id, u.name, CREATOR if u is creator else NORMAL) for u in everyone]
    for size in (1, 4, 13, 50):
        found = await walk(lambda after, limit: storage.members(group.id, after, limit), size)
        assert found == expected
    assert await storage.members(group.id, everyone[-1].id, 4) == []
    assert await storage.members(group.id + 1000, None, 4) is None


async def test_first_members_of_several_groups_in_one_read(storage: Storage) -> None:
    everyone = await users(storage, "u", 6)
    big = await storage.create_group("big", "", everyone[0].id)
    for user in everyone[1:]:
        await storage.join_group(big.id, user.id)
    small = await storage.create_group("small", "", everyone[5].id)
    first = await storage.first_members([big.id, small.id, big.id + small.id + 1000], 3)
    assert first == {
        big.id: [Member(everyone[0].id, "u0", CREATOR)]
        + [Member(u.id, u.name, NORMAL) for u in everyone[1:3]],
        small.id: [Member(everyone[5].id, "u5", CREATOR)],
        big.id + small.id + 1000: [],
    }
    assert await storage.first_members([], 3) == {}
