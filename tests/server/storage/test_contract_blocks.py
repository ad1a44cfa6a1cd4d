"""The Blocks contract, run against every backend: blocks, ties, held messages, answers."""

from __future__ import annotations

import pytest

from chatapp.server.storage import (
    Contact,
    Held,
    Kind,
    LimitReached,
    NewMessage,
    NoSuchUser,
    Settings,
    Storage,
    StoredMessage,
    Ties,
    User,
)

MID0 = 1 << 41
T0 = 1_714_564_800_000
INJECTION = "x'); DROP TABLE blocks; --"


async def people(storage: Storage, *names: str) -> list[User]:
    return [await storage.create_user(name, "hash") for name in names]


def direct(sender: User, toid: int, n: int, text: str = "hello") -> StoredMessage:
    return StoredMessage(
        MID0 + n, Kind.DIRECT, sender.id, sender.name, toid, text, "2024-05-01 12:00:00", T0 + n
    )


async def hold(storage: Storage, sender: User, toid: int, n: int, cid: str | None = None) -> Held:
    new = NewMessage(direct(sender, toid, n, f"text {n}"), (toid,), cid)
    return await storage.hold_message(new, per_sender=10, per_recipient=100)


async def test_block_ends_friendship_and_is_listed(storage: Storage) -> None:
    ann, bob, carl = await people(storage, "ann", "bob", "carl")
    await storage.add_friendship(ann.id, bob.id)
    assert await storage.block(ann.id, bob.id, most=10) is True
    assert await storage.friend_ids(ann.id) == []
    assert await storage.friend_ids(bob.id) == []
    assert await storage.block(ann.id, bob.id, most=10) is False  # again: not friends now
    assert await storage.block(ann.id, carl.id, most=10) is False
    assert await storage.blocks(ann.id, None, 10) == [
        Contact(bob.id, "bob"),
        Contact(carl.id, "carl"),
    ]
    assert await storage.blocks(ann.id, bob.id, 10) == [Contact(carl.id, "carl")]
    assert await storage.blocks(ann.id, None, 1) == [Contact(bob.id, "bob")]
    assert await storage.blocks(bob.id, None, 10) == []


async def test_blocked_is_one_way(storage: Storage) -> None:
    ann, bob, carl = await people(storage, "ann", "bob", "carl")
    await storage.block(ann.id, bob.id, most=10)
    await storage.block(carl.id, bob.id, most=10)
    assert await storage.blocked(bob.id, ann.id) is True
    assert await storage.blocked(ann.id, bob.id) is False
    assert await storage.blocked_by_any(bob.id, [ann.id, carl.id, bob.id]) == {ann.id, carl.id}
    assert await storage.blocked_by_any(ann.id, [bob.id, carl.id]) == set()
    assert await storage.blocked_by_any(bob.id, []) == set()
    assert await storage.unblock(ann.id, bob.id) is True
    assert await storage.unblock(ann.id, bob.id) is False
    assert await storage.blocked(bob.id, ann.id) is False


async def test_block_is_bounded_and_names_existing_users(storage: Storage) -> None:
    ann, bob, carl = await people(storage, "ann", "bob", "carl")
    await storage.block(ann.id, bob.id, most=1)
    with pytest.raises(LimitReached) as caught:
        await storage.block(ann.id, carl.id, most=1)
    assert caught.value.scope == "blocks"
    await storage.block(ann.id, bob.id, most=1)  # already blocked: no new one
    with pytest.raises(NoSuchUser):
        await storage.block(ann.id, carl.id + 100, most=10)
    assert await storage.blocks(ann.id, None, 10) == [Contact(bob.id, "bob")]


async def test_ties_read_the_setting_blocks_and_acceptances(storage: Storage) -> None:
    ann, bob, carl = await people(storage, "ann", "bob", "carl")
    assert await storage.ties(ann.id) == Ties("everyone", frozenset(), frozenset())
    await storage.save_settings(ann.id, Settings(strangers="requests"))
    await storage.block(ann.id, bob.id, most=10)
    await hold(storage, carl, ann.id, 1)
    assert await storage.accept_sender(ann.id, carl.id)
    assert await storage.ties(ann.id) == Ties("requests", frozenset({bob.id}), frozenset({carl.id}))


async def test_held_messages_are_listed_by_sender_oldest_first(storage: Storage) -> None:
    ann, bob, carl = await people(storage, "ann", INJECTION, "carl")
    assert await hold(storage, carl, ann.id, 1) == Held(MID0 + 1, 1)
    assert await hold(storage, bob, ann.id, 2) == Held(MID0 + 2, 1)
    assert await hold(storage, bob, ann.id, 3) == Held(MID0 + 3, 2)
    assert await hold(storage, bob, carl.id, 4) == Held(MID0 + 4, 1)  # another recipient
    found = await storage.message_requests(ann.id, None, 10, 1)
    assert [(r.sender, r.count) for r in found] == [
        (Contact(bob.id, INJECTION), 2),
        (Contact(carl.id, "carl"), 1),
    ]
    assert found[0].first == (direct(bob, ann.id, 2, "text 2"),)
    again = await storage.message_requests(ann.id, bob.id, 10, 5)
    assert [r.sender.id for r in again] == [carl.id]
    assert len((await storage.message_requests(ann.id, None, 1, 5))[0].first) == 2


async def test_a_held_cid_holds_once(storage: Storage) -> None:
    ann, bob = await people(storage, "ann", "bob")
    assert await hold(storage, bob, ann.id, 1, cid="k") == Held(MID0 + 1, 1)
    assert await hold(storage, bob, ann.id, 2, cid="k") == Held(MID0 + 1, 1, fresh=False)
    assert await hold(storage, bob, ann.id, 3, cid="k ") == Held(MID0 + 3, 2)  # bytes differ


async def test_holding_is_bounded_per_sender_and_per_recipient(storage: Storage) -> None:
    ann, bob, carl = await people(storage, "ann", "bob", "carl")

    async def held(sender: User, n: int) -> Held:
        new = NewMessage(direct(sender, ann.id, n), (ann.id,))
        return await storage.hold_message(new, per_sender=2, per_recipient=3)

    await held(bob, 1)
    await held(bob, 2)
    with pytest.raises(LimitReached) as caught:
        await held(bob, 3)
    assert caught.value.scope == "sender"
    await held(carl, 4)
    with pytest.raises(LimitReached) as caught:
        await held(carl, 5)
    assert caught.value.scope == "recipient"
    with pytest.raises(NoSuchUser):
        await storage.hold_message(
            NewMessage(direct(bob, ann.id + 100, 6), (ann.id + 100,)), per_sender=2, per_recipient=3
        )


async def test_accepting_moves_held_messages_to_the_log_in_order(storage: Storage) -> None:
    ann, bob = await people(storage, "ann", "bob")
    await storage.log_messages([NewMessage(direct(ann, bob.id, 0), (bob.id,))])
    for n in (5, 3, 4):  # held in this order, whatever their ids
        await hold(storage, bob, ann.id, n, cid=f"c{n}")
    deliveries = await storage.accept_sender(ann.id, bob.id)
    assert [(seq, m.mid) for seq, m in deliveries] == [(1, MID0 + 5), (2, MID0 + 3), (3, MID0 + 4)]
    assert deliveries[0][1] == direct(bob, ann.id, 5, "text 5")
    pending = await storage.pending(ann.id, None, 10)
    assert [m.mid for _, m in pending.deliveries] == [MID0 + 5, MID0 + 3, MID0 + 4]
    assert await storage.message_requests(ann.id, None, 10, 3) == []
    assert await storage.accept_sender(ann.id, bob.id) == []  # nothing held: nothing twice
    assert len((await storage.pending(ann.id, None, 10)).deliveries) == 3
    # A retry of a cid now logged is the logged message, not a new one.
    logged = await storage.log_messages([NewMessage(direct(bob, ann.id, 9), (ann.id,), "c5")])
    assert logged[0].mid == MID0 + 5


async def test_nothing_is_held_from_an_accepted_sender(storage: Storage) -> None:
    ann, bob = await people(storage, "ann", "bob")
    await hold(storage, bob, ann.id, 1)
    await storage.accept_sender(ann.id, bob.id)
    assert await hold(storage, bob, ann.id, 2) == Held(MID0 + 2, 0, fresh=False, accepted=True)
    assert await storage.message_requests(ann.id, None, 10, 3) == []


async def test_declining_deletes_held_messages(storage: Storage) -> None:
    ann, bob, carl = await people(storage, "ann", "bob", "carl")
    await hold(storage, bob, ann.id, 1)
    await hold(storage, bob, ann.id, 2)
    await hold(storage, carl, ann.id, 3)
    assert await storage.decline_sender(ann.id, bob.id) == 2
    assert await storage.decline_sender(ann.id, bob.id) == 0
    assert [r.sender.id for r in await storage.message_requests(ann.id, None, 10, 1)] == [carl.id]
    assert (await storage.pending(ann.id, None, 10)).deliveries == []
    assert (await storage.ties(ann.id)).accepted == frozenset()


async def test_blocking_drops_held_messages_and_acceptance(storage: Storage) -> None:
    ann, bob = await people(storage, "ann", "bob")
    await hold(storage, bob, ann.id, 1)
    await storage.accept_sender(ann.id, bob.id)
    await hold(storage, bob, ann.id, 2)
    await storage.block(ann.id, bob.id, most=10)
    assert await storage.message_requests(ann.id, None, 10, 1) == []
    assert await storage.ties(ann.id) == Ties("everyone", frozenset({bob.id}), frozenset())
