"""The Tokens contract on a resumed login, run against every backend: the spent token's
place taken by the next, the device seen in the same transaction, and the device ids."""

from __future__ import annotations

import pytest

from chatapp.server.storage import NoSuchUser, Storage, TokenSpent
from tests.server.storage.test_contract import T0, make_users, token
from tests.server.storage.test_contract_devices import device


async def held(storage: Storage, *ns: int, at: int = T0) -> list[bool]:
    return [await storage.device_by_token(token(n), at) is not None for n in ns]


async def test_a_swap_keeps_the_devices_other_tokens_and_its_count(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    mine = await device(storage, a)
    for n in (1, 2):
        await storage.save_token(token(n), mine, T0 + 100 * n, T0, max_tokens=2)
    await storage.save_token(token(3), mine, T0 + 50, T0 + 1, replacing=token(2), max_tokens=2)
    # The spent one is gone, its place taken; the other stays, though it expires later.
    assert await held(storage, 1, 2, 3) == [True, False, True]
    assert await storage.device_by_token(token(3), T0 + 49) == (a, mine)
    assert await storage.device_by_token(token(3), T0 + 50) is None  # the new expiry


async def test_a_swap_leaves_the_users_expired_tokens_to_the_next_opening(
    storage: Storage,
) -> None:
    (a,) = await make_users(storage, "a")
    one, two = await device(storage, a, "one"), await device(storage, a, "two")
    await storage.save_token(token(1), one, T0 + 10, T0)
    await storage.save_token(token(2), two, T0 + 100, T0)
    await storage.save_token(token(3), two, T0 + 200, T0 + 20, replacing=token(2))
    assert await held(storage, 1, 2, 3) == [True, False, True]  # as of T0: still kept
    await storage.save_token(token(4), two, T0 + 300, T0 + 20)  # not a swap: forgets it
    assert await held(storage, 1, 3, 4) == [False, True, True]


async def test_a_token_that_is_no_longer_the_devices_resumes_no_second_login(
    storage: Storage,
) -> None:
    """Two logins with one token (a stalled one, and its client's retry elsewhere), or a
    login racing a revocation: the swap that comes second finds the token gone, raises,
    and changes nothing (not even the device's seen)."""
    (a,) = await make_users(storage, "a")
    mine = await device(storage, a, "one", at=T0)
    other = await device(storage, a, "two")
    await storage.save_token(token(1), mine, T0 + 100, T0)
    await storage.save_token(token(9), other, T0 + 100, T0)
    await storage.save_token(token(2), mine, T0 + 200, T0 + 5, replacing=token(1))
    with pytest.raises(TokenSpent):  # spent by the first
        await storage.save_token(
            token(3), mine, T0 + 200, T0 + 9, replacing=token(1), seen_from="192.0.2.9"
        )
    with pytest.raises(TokenSpent):  # another device's
        await storage.save_token(token(4), mine, T0 + 200, T0, replacing=token(9))
    assert await held(storage, 1, 2, 3, 4, 9) == [False, True, False, False, True]
    assert (await storage.devices(a.id))[0].seen_ms == T0
    await storage.drop_tokens(a.id)  # a new password revokes them: a racing login fails
    with pytest.raises(TokenSpent):
        await storage.save_token(token(5), mine, T0 + 200, T0, replacing=token(2))
    assert await held(storage, 2, 5) == [False, False]


async def test_a_token_saved_from_an_address_marks_the_device_seen(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    mine = await device(storage, a, at=T0)
    await storage.save_token(token(1), mine, T0 + 100, T0)
    await storage.save_token(
        token(2), mine, T0 + 100, T0 + 7, replacing=token(1), seen_from="192.0.2.7"
    )
    found = await storage.device_by_token(token(2), T0)
    assert found is not None and (found[1].seen_ms, found[1].address) == (T0 + 7, "192.0.2.7")
    await storage.save_token(token(3), mine, T0 + 100, T0 + 3, seen_from="192.0.2.8")
    (seen,) = await storage.devices(a.id)
    assert (seen.seen_ms, seen.address) == (T0 + 7, "192.0.2.8")  # never back in time


async def test_a_device_gone_before_the_swap_raises_and_changes_nothing(
    storage: Storage,
) -> None:
    (a,) = await make_users(storage, "a")
    mine, gone = await device(storage, a, "one", at=T0), await device(storage, a, "two")
    await storage.save_token(token(1), gone, T0 + 100, T0)
    await storage.save_token(token(5), mine, T0 + 100, T0)
    assert await storage.end_device(a.id, gone.id)
    with pytest.raises(NoSuchUser):
        await storage.save_token(
            token(2), gone, T0 + 100, T0 + 9, replacing=token(5), seen_from="192.0.2.9"
        )
    assert await held(storage, 2, 5) == [False, True]
    assert [(d.seen_ms, d.address) for d in await storage.devices(a.id)] == [
        (mine.seen_ms, mine.address)
    ]


async def test_device_ids_are_the_users_devices_in_order(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    assert await storage.device_ids(a.id) == []
    one, two = await device(storage, a, "one"), await device(storage, a, "two")
    theirs = await device(storage, b)
    assert await storage.device_ids(a.id) == [one.id, two.id]
    assert await storage.device_ids(b.id) == [theirs.id]
    assert await storage.end_device(a.id, one.id)
    assert await storage.device_ids(a.id) == [two.id]
