"""The Devices and Tokens contract, run against every backend: devices opened, seen, listed
and ended; resume tokens per device; acknowledgements per device and the cursor they make."""

from __future__ import annotations

import pytest

from chatapp.server.storage import Device, DeviceAck, NoSuchUser, Opened, Pending, Storage, User
from tests.server.storage.test_contract import T0, delivered, make_users, one_chat, to, token


async def open_device(
    storage: Storage,
    user: User,
    name: str = "phone",
    *,
    at: int = T0,
    legacy: bool = False,
    most: int = 10,
) -> Opened:
    return await storage.open_device(
        user.id, name, legacy=legacy, now_ms=at, address=f"10.0.0.{at % 250}", max_devices=most
    )


async def device(storage: Storage, user: User, name: str = "phone", *, at: int = T0) -> Device:
    return (await open_device(storage, user, name, at=at)).device


async def test_a_new_device_starts_at_the_cursor_where_the_user_has_none(
    storage: Storage,
) -> None:
    a, b = await make_users(storage, "a", "b")
    await storage.log_messages([to(one_chat(a, b.id, n), b) for n in range(1, 4)])
    opened = await open_device(storage, b, "laptop", at=T0 + 7)
    assert opened == Opened(
        Device(opened.device.id, b.id, "laptop", 0, T0 + 7, T0 + 7, f"10.0.0.{(T0 + 7) % 250}")
    )
    await storage.log_messages([], [DeviceAck(b.id, opened.device.id, 2)])
    assert await storage.end_device(b.id, opened.device.id)
    assert (await device(storage, b)).acked_seq == 2  # the cursor, no device left


async def test_a_new_device_starts_at_the_highest_position_of_the_users(
    storage: Storage,
) -> None:
    a, b = await make_users(storage, "a", "b")
    sent = [one_chat(a, b.id, n) for n in range(1, 6)]
    await storage.log_messages([to(m, b) for m in sent])
    first, second = await device(storage, b, "one"), await device(storage, b, "two")
    acks = [DeviceAck(b.id, first.id, 4), DeviceAck(b.id, second.id, 2)]
    await storage.log_messages([], acks)
    third = await device(storage, b, "three")
    assert third.acked_seq == 4  # what none of them has seen
    assert third.id > second.id > first.id
    # The cursor is the lowest position: what `second` has not seen stays.
    assert await storage.pending(b.id, None, 10) == Pending(2, [delivered(m, n) for n, m in
                                                               enumerate(sent, 1)][2:])  # fmt: skip


async def test_the_legacy_device_is_made_once_and_reused(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    made = (await open_device(storage, a, "legacy", at=T0, legacy=True)).device
    assert made.legacy and made.name == "legacy"
    other = await device(storage, a, "phone", at=T0 + 1)
    assert not other.legacy
    again = await open_device(storage, a, "other name", at=T0 + 5, legacy=True)
    assert again == Opened(
        Device(made.id, a.id, "legacy", 0, T0, T0 + 5, f"10.0.0.{(T0 + 5) % 250}", legacy=True),
        new=False,
    )
    assert [d.id for d in await storage.devices(a.id)] == [made.id, other.id]


async def test_over_the_limit_the_least_recently_seen_others_are_ended(
    storage: Storage,
) -> None:
    a, b = await make_users(storage, "a", "b")
    one = await device(storage, a, "one", at=T0 + 1)
    two = await device(storage, a, "two", at=T0 + 2)
    three = await device(storage, a, "three", at=T0 + 3)
    theirs = await device(storage, b, "theirs", at=T0)
    for n, mine in enumerate((one, two, three, theirs), 1):
        await storage.save_token(token(n), mine, T0 + 100, T0)
    await storage.touch_device(one.id, T0 + 10, "10.0.0.1")
    # Four devices where three may be: the stalest other (two) goes, with its token.
    opened = await open_device(storage, a, "four", at=T0 + 11, most=3)
    assert opened.ended == (two.id,)
    assert [d.id for d in await storage.devices(a.id)] == [one.id, three.id, opened.device.id]
    assert await storage.device_by_token(token(2), T0) is None
    assert await storage.device_by_token(token(1), T0) is not None
    # Down to one: every other, least recently seen first; the new one is always kept.
    last = await open_device(storage, a, "five", at=T0 + 12, most=1)
    assert last.ended == (three.id, one.id, opened.device.id)
    assert await storage.devices(a.id) == [last.device]
    assert await storage.device_by_token(token(1), T0) is None
    assert await storage.devices(b.id) == [theirs]  # another user's devices are not counted
    # The legacy device, reused, counts as well.
    legacy = await open_device(storage, a, "legacy", at=T0 + 13, legacy=True, most=2)
    assert legacy.ended == ()
    again = await open_device(storage, a, "legacy", at=T0 + 14, legacy=True, most=1)
    assert (again.device.id, again.ended) == (legacy.device.id, (last.device.id,))


async def test_opening_a_device_of_an_unknown_user_raises(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    with pytest.raises(NoSuchUser):
        await storage.open_device(
            a.id + 1000, "x", legacy=False, now_ms=T0, address="", max_devices=3
        )
    with pytest.raises(NoSuchUser):
        await storage.open_device(a.id + 1000, "x", legacy=True, now_ms=T0, address="",
                                  max_devices=3)  # fmt: skip
    assert await storage.devices(a.id + 1000) == []


async def test_a_touched_device_is_seen_again_from_its_address(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    mine = await device(storage, a, at=T0)
    await storage.touch_device(mine.id, T0 + 50, "192.0.2.7")
    [seen] = await storage.devices(a.id)
    assert seen == Device(mine.id, a.id, "phone", 0, T0, T0 + 50, "192.0.2.7")
    assert await storage.devices(b.id) == []


async def test_ending_a_device_forgets_it_and_its_tokens(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    mine, other = await device(storage, a, "one"), await device(storage, a, "two")
    await storage.save_token(token(1), mine, T0 + 100, T0)
    await storage.save_token(token(2), other, T0 + 100, T0)
    assert not await storage.end_device(b.id, mine.id)  # not b's
    assert await storage.device_by_token(token(1), T0) is not None
    assert await storage.end_device(a.id, mine.id)
    assert not await storage.end_device(a.id, mine.id)
    assert await storage.device_by_token(token(1), T0) is None
    assert await storage.device_by_token(token(2), T0) == (a, other)
    assert await storage.devices(a.id) == [other]


async def test_ending_every_device_but_one(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    one, two, three = [await device(storage, a, name) for name in ("one", "two", "three")]
    theirs = await device(storage, b)
    for n, mine in enumerate((one, two, three, theirs), 1):
        await storage.save_token(token(n), mine, T0 + 100, T0)
    assert await storage.end_devices(a.id, keep=two.id) == [one.id, three.id]
    assert await storage.devices(a.id) == [two]
    assert [await storage.device_by_token(token(n), T0) is None for n in (1, 2, 3, 4)] == [
        True, False, True, False,
    ]  # fmt: skip
    assert await storage.end_devices(a.id) == [two.id]
    assert await storage.end_devices(a.id) == []
    assert await storage.devices(b.id) == [theirs]


# --- acknowledgements per device ------------------------------------------------------


async def test_the_cursor_is_the_lowest_position_of_the_fresh_devices(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    sent = [one_chat(a, b.id, n) for n in range(1, 6)]
    await storage.log_messages([to(m, b) for m in sent])
    numbered = [delivered(m, n) for n, m in enumerate(sent, 1)]
    phone, laptop = await device(storage, b, "phone"), await device(storage, b, "laptop")
    await storage.log_messages([], [DeviceAck(b.id, phone.id, 4)], seen_ms=T0 + 1, stale_ms=T0)
    assert await storage.pending(b.id, None, 10) == Pending(0, numbered)  # laptop saw nothing
    await storage.log_messages([], [DeviceAck(b.id, laptop.id, 3)], seen_ms=T0 + 2, stale_ms=T0)
    assert await storage.pending(b.id, None, 10) == Pending(3, numbered[3:])
    # Positions and the cursor never move back; acks in one batch take the highest.
    acks = [DeviceAck(b.id, laptop.id, 5), DeviceAck(b.id, laptop.id, 1)]
    await storage.log_messages([], [*acks, DeviceAck(b.id, phone.id, 2)])
    assert await storage.pending(b.id, None, 10) == Pending(4, numbered[4:])
    assert [(d.acked_seq, d.seen_ms) for d in await storage.devices(b.id)] == [
        (4, T0 + 1), (5, T0 + 2),
    ]  # fmt: skip


async def test_a_stale_device_holds_no_deliveries_back(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    sent = [one_chat(a, b.id, n) for n in range(1, 6)]
    await storage.log_messages([to(m, b) for m in sent])
    away = await device(storage, b, "away", at=T0)
    here = await device(storage, b, "here", at=T0 + 100)
    await storage.log_messages(
        [], [DeviceAck(b.id, here.id, 4)], seen_ms=T0 + 200, stale_ms=T0 + 50
    )
    # The deliveries `away` did not see are forgotten: asked for, what is left comes.
    assert await storage.pending(b.id, None, 10) == Pending(4, [delivered(sent[4], 5)])
    assert await storage.pending(b.id, 0, 10) == Pending(0, [delivered(sent[4], 5)])
    # Back again, it holds nothing back that is gone, and the cursor stays.
    await storage.touch_device(away.id, T0 + 300, "10.0.0.9")
    await storage.log_messages([], [DeviceAck(b.id, here.id, 5)], seen_ms=T0 + 300)
    assert (await storage.pending(b.id, None, 10)).after == 4
    # Where no device is fresh, the cursor does not move.
    await storage.log_messages(
        [], [DeviceAck(b.id, here.id, 5)], seen_ms=T0 + 400, stale_ms=T0 + 500
    )
    assert await storage.pending(b.id, None, 10) == Pending(4, [delivered(sent[4], 5)])


async def test_an_ack_of_an_ended_or_anothers_device_is_harmless(storage: Storage) -> None:
    a, b, c = await make_users(storage, "a", "b", "c")
    sent = [one_chat(a, b.id, n) for n in range(1, 4)]
    await storage.log_messages([to(m, b, c) for m in sent])
    gone, kept = await device(storage, b, "gone"), await device(storage, b, "kept")
    theirs = await device(storage, c)
    assert await storage.end_device(b.id, gone.id)
    logged = await storage.log_messages(
        [to(one_chat(a, b.id, 4), b)],
        [DeviceAck(b.id, gone.id, 3), DeviceAck(b.id, theirs.id, 3), DeviceAck(c.id, kept.id, 3)],
    )
    assert logged[0].deliveries == ((b.id, 4),)
    assert await storage.devices(b.id) == [kept]  # moved by nothing
    assert await storage.devices(c.id) == [theirs]
    assert (await storage.pending(b.id, None, 10)).after == 0
    assert (await storage.pending(c.id, None, 10)).after == 0
    # With no device at all, an ack leaves the cursor where it is.
    assert await storage.end_device(b.id, kept.id)
    await storage.log_messages([], [DeviceAck(b.id, kept.id, 3)])
    assert (await storage.pending(b.id, None, 10)).after == 0


# --- resume tokens --------------------------------------------------------------------


async def test_a_token_names_its_user_and_device_until_it_expires(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    mine, theirs = await device(storage, a), await device(storage, b)
    await storage.save_token(token(1), mine, T0 + 100, T0)
    await storage.save_token(token(2), theirs, T0 + 200, T0)
    assert await storage.device_by_token(token(1), T0) == (a, mine)
    assert await storage.device_by_token(token(1), T0 + 99) == (a, mine)
    assert await storage.device_by_token(token(1), T0 + 100) is None
    assert await storage.device_by_token(token(2), T0 + 100) == (b, theirs)
    assert await storage.device_by_token(token(3), T0) is None
    assert await storage.device_by_token(token(1).upper(), T0) is None
    await storage.touch_device(mine.id, T0 + 5, "192.0.2.1")  # the device as it is now
    found = await storage.device_by_token(token(1), T0)
    assert found is not None and (found[1].seen_ms, found[1].address) == (T0 + 5, "192.0.2.1")


async def test_a_device_keeps_its_newest_tokens(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    mine, other = await device(storage, a, "one"), await device(storage, a, "two")
    await storage.save_token(token(9), other, T0 + 10, T0)
    for n, expires in ((1, 300), (2, 100), (3, 200)):
        await storage.save_token(token(n), mine, T0 + expires, T0, max_tokens=2)
    # The one expiring first went when the third came; the other device's is kept.
    kept = [await storage.device_by_token(token(n), T0) is not None for n in (1, 2, 3, 9)]
    assert kept == [True, False, True, True]
    await storage.save_token(token(4), mine, T0 + 400, T0)  # four by default
    await storage.save_token(token(5), mine, T0 + 500, T0)
    kept = [await storage.device_by_token(token(n), T0) is not None for n in (1, 3, 4, 5)]
    assert kept == [True, True, True, True]
    await storage.save_token(token(6), mine, T0 + 600, T0, max_tokens=1)
    kept = [await storage.device_by_token(token(n), T0) is not None for n in (1, 3, 4, 5, 6)]
    assert kept == [False, False, False, False, True]


async def test_a_saved_token_replaces_the_spent_one(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    mine, theirs = await device(storage, a), await device(storage, b)
    await storage.save_token(token(1), mine, T0 + 100, T0)
    await storage.save_token(token(2), theirs, T0 + 100, T0)
    await storage.save_token(token(3), mine, T0 + 100, T0, replacing=token(1))
    assert await storage.device_by_token(token(1), T0) is None
    assert await storage.device_by_token(token(3), T0) == (a, mine)
    assert await storage.device_by_token(token(2), T0) == (b, theirs)


async def test_saving_a_token_forgets_the_users_expired_ones(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    one, two, theirs = await device(storage, a), await device(storage, a), await device(storage, b)
    await storage.save_token(token(1), one, T0 + 10, T0)
    await storage.save_token(token(2), one, T0 + 50, T0)
    await storage.save_token(token(3), theirs, T0 + 10, T0)
    await storage.save_token(token(4), two, T0 + 100, T0 + 10)  # another of a's devices
    # Asked as of an earlier time, the forgotten token is gone; the others are kept.
    assert await storage.device_by_token(token(1), T0) is None
    assert await storage.device_by_token(token(2), T0) == (a, one)
    assert await storage.device_by_token(token(3), T0) == (b, theirs)
    assert await storage.device_by_token(token(4), T0) == (a, two)


async def test_a_token_of_an_ended_device_raises_and_leaves_the_spent_one(
    storage: Storage,
) -> None:
    a, b = await make_users(storage, "a", "b")
    mine, gone = await device(storage, a), await device(storage, a)
    await storage.save_token(token(1), mine, T0 + 100, T0)
    assert await storage.end_device(a.id, gone.id)
    with pytest.raises(NoSuchUser):
        await storage.save_token(token(2), gone, T0 + 100, T0, replacing=token(1))
    with pytest.raises(NoSuchUser):  # a device named under another user
        await storage.save_token(token(2), Device(mine.id, b.id, "x", 0, 0, 0), T0 + 100, T0)
    assert await storage.device_by_token(token(1), T0) == (a, mine)  # nothing happened
    assert await storage.device_by_token(token(2), T0) is None


async def test_a_new_password_forgets_the_tokens_but_not_the_devices(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    mine, theirs = await device(storage, a), await device(storage, b)
    await storage.save_token(token(1), mine, T0 + 100, T0)
    await storage.save_token(token(2), theirs, T0 + 100, T0)
    await storage.set_password(a.id, "scrypt$new")
    assert await storage.device_by_token(token(1), T0) is None
    assert await storage.device_by_token(token(2), T0) == (b, theirs)
    assert await storage.devices(a.id) == [mine]
    assert await storage.drop_tokens(b.id) == 1
    assert await storage.devices(b.id) == [theirs]


async def test_a_named_opening_reopens_the_device_of_that_name(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    await storage.log_messages([to(one_chat(a, b.id, n), b) for n in range(1, 4)])
    laptop = await device(storage, b, "laptop")
    await storage.log_messages([], [DeviceAck(b.id, laptop.id, 2)])
    held = token(99)
    await storage.save_token(held, laptop, T0 + 10**6, T0)
    again = await storage.open_device(
        b.id, "laptop", legacy=False, now_ms=T0 + 5, address="10.9.9.9", max_devices=10, named=True
    )
    assert (again.device.id, again.device.acked_seq, again.new) == (laptop.id, 2, False)
    assert (again.device.seen_ms, again.device.address) == (T0 + 5, "10.9.9.9")
    assert await storage.device_by_token(held, T0) is None  # what it handed out is void
    other = await storage.open_device(
        b.id, "tablet", legacy=False, now_ms=T0 + 6, address="", max_devices=10, named=True
    )
    assert other.new and other.device.id != laptop.id
    unnamed = await storage.open_device(
        b.id, "laptop", legacy=False, now_ms=T0 + 7, address="", max_devices=10
    )
    assert unnamed.new  # without `named`, a name is only a label
    assert [d.name for d in await storage.devices(b.id)] == ["laptop", "tablet", "laptop"]
