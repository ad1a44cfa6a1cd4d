"""The Storage contract of what makes input trustworthy, on every backend: names that may not
pass for one another, every token of an account revoked at once, the highest number."""

from __future__ import annotations

import pytest

from chatapp.server.storage import NameTaken, NewMessage, NoSuchUser, Settings, Storage
from chatapp.server.text import skeleton
from tests.server.storage.acking import acks, device_of, user_of_token
from tests.server.storage.test_contract import T0, make_users, one_chat, token


async def test_a_name_whose_skeleton_a_user_holds_is_taken(storage: Storage) -> None:
    await storage.create_user("alice", "h", skeleton=skeleton("alice"))
    cyrillic_a = "\u0430lice"
    with pytest.raises(NameTaken):
        await storage.create_user(cyrillic_a, "h", skeleton=skeleton(cyrillic_a))
    with pytest.raises(NameTaken):
        await storage.create_group("a\u217cice", "", 1, skeleton=skeleton("a\u217cice"))
    assert await storage.user_by_name(cyrillic_a) is None  # nothing half made
    bob = await storage.create_user("bob", "h", skeleton=skeleton("bob"))
    assert await storage.user_by_name("bob") == bob


async def test_a_group_holds_its_skeleton_against_users_too(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    group = await storage.create_group("0scar", "", a.id, skeleton=skeleton("0scar"))
    with pytest.raises(NameTaken):
        await storage.create_user("Oscar", "h", skeleton=skeleton("Oscar"))
    assert await storage.group_member_ids(group.id) == [a.id]


async def test_names_without_skeletons_are_claimed_once_and_look_alikes_stay(
    storage: Storage,
) -> None:
    await make_users(storage, "carol", "c\u0430rol", "dave")  # from before skeletons
    (first,) = await make_users(storage, "erin")
    await storage.create_group("team", "", first.id)
    assert await storage.claim_skeletons(skeleton) == 4  # carol, dave, erin, team
    assert await storage.claim_skeletons(skeleton) == 0
    for name in ("carol", "dave", "t\u0435am"):  # the last with a Cyrillic e
        with pytest.raises(NameTaken):
            await storage.create_user(name + "", "h", skeleton=skeleton(name))
    assert await storage.user_by_name("c\u0430rol") is not None  # kept, grandfathered


async def test_a_new_password_replaces_the_hash_and_revokes_every_token(
    storage: Storage,
) -> None:
    a, b = await make_users(storage, "a", "b")
    for n in (1, 2):
        await storage.save_token(token(n), await device_of(storage, a.id), T0 + 100, T0)
    await storage.save_token(token(3), await device_of(storage, b.id), T0 + 100, T0)
    await storage.set_password(a.id, "scrypt$new")
    user = await storage.user_by_id(a.id)
    assert user is not None and user.password_hash == "scrypt$new"
    assert await user_of_token(storage, token(1), T0) is None
    assert await user_of_token(storage, token(2), T0) is None
    assert await user_of_token(storage, token(3), T0) == b


async def test_every_token_of_a_user_is_dropped_at_once(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    for n in (1, 2, 3):
        await storage.save_token(token(n), await device_of(storage, a.id), T0 + 100, T0)
    await storage.save_token(token(4), await device_of(storage, b.id), T0 + 100, T0)
    assert await storage.drop_tokens(a.id) == 3
    assert await storage.drop_tokens(a.id) == 0
    assert await user_of_token(storage, token(2), T0) is None
    assert await user_of_token(storage, token(4), T0) == b


async def test_last_seq_is_the_highest_number_ever_given(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    assert await storage.last_seq(b.id) == 0
    batch = [NewMessage(one_chat(a, b.id, n), (b.id,)) for n in range(3)]
    await storage.log_messages(batch)
    assert await storage.last_seq(b.id) == 3
    await storage.log_messages(
        [], await acks(storage, {b.id: 3})
    )  # acknowledging forgets the rows, not the number
    assert await storage.last_seq(b.id) == 3
    assert await storage.last_seq(a.id) == 0
    assert await storage.last_seq(999) == 0


async def test_settings_default_until_saved_and_then_as_saved(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    assert await storage.settings(a.id) == Settings()
    await storage.save_settings(a.id, Settings("requests", False, True))
    await storage.save_settings(a.id, Settings("nobody", False, False))
    assert await storage.settings(a.id) == Settings("nobody", False, False)
    assert await storage.settings(b.id) == Settings()
    with pytest.raises(NoSuchUser):
        await storage.save_settings(999, Settings())
