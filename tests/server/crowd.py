"""Crowds built through the storage API directly: thousands of accounts, friendships and
memberships in seconds, where registering each over a socket would take minutes. The
server then serves them over real sockets like any others."""

from __future__ import annotations

import functools

from chatapp.server.passwords import hash_password
from chatapp.server.storage import Storage
from tests.server.conftest import TEST_HASH_COST

PASSWORD = "pw"


@functools.cache
def password_hash() -> str:
    """The hash of PASSWORD, made once: every crowd account logs in with it."""
    return hash_password(PASSWORD, TEST_HASH_COST)


async def accounts(storage: Storage, prefix: str, count: int) -> list[int]:
    """`count` new accounts named prefix0, prefix1...; their ids, in order."""
    return [(await storage.create_user(f"{prefix}{n}", password_hash())).id for n in range(count)]


async def befriended(storage: Storage, user_id: int, count: int, prefix: str = "fan") -> list[int]:
    """`count` new accounts, each of which made `user_id` a friend; their ids."""
    fans = await accounts(storage, prefix, count)
    for fan in fans:
        await storage.add_friendship(fan, user_id)
    return fans


async def crowded_group(
    storage: Storage, name: str, size: int, *, joining: int | None = None
) -> tuple[int, list[int]]:
    """A group of `size` new accounts (the first its creator), which `joining` joins
    too; its id and its new members' ids."""
    members = await accounts(storage, f"{name}-", size)
    group = await storage.create_group(name, f"{size} members", members[0])
    for member in [*members[1:], *([joining] if joining is not None else [])]:
        await storage.join_group(group.id, member)
    return group.id, members
