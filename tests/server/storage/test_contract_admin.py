"""The Admin contract, run against every backend: finding, reports, disabling, deleting
accounts and groups, handing groups over, counting."""

from __future__ import annotations

import pytest

from chatapp.server.storage import (
    Contact,
    Conversation,
    GroupRole,
    Kind,
    Member,
    NewMessage,
    NoSuchGroup,
    NoSuchUser,
    NotAMember,
    RequestCounts,
    Settings,
    Stats,
    Storage,
    StoredMessage,
    User,
    tombstone_name,
)
from tests.server.storage.acking import device_of, user_of_token

MID0 = 1 << 41
T0 = 1_714_564_800_000
FAR = T0 + 10**9


async def people(storage: Storage, *names: str) -> list[User]:
    return [await storage.create_user(name, "hash") for name in names]


async def say(
    storage: Storage, sender: User, kind: Kind, target: int, *, to: list[int], n: int
) -> int:
    message = StoredMessage(
        MID0 + n, kind, sender.id, sender.name, target, f"text {n}", "2024-05-01 12:00:00", T0 + n
    )
    await storage.log_messages([NewMessage(message, tuple(to), None)])
    return message.mid


async def test_find_users_by_prefix_and_id(storage: Storage) -> None:
    ann, anna, bob = await people(storage, "Ann", "anna", "bob")
    await storage.save_settings(anna.id, Settings(findable=False))
    assert [u.id for u in await storage.find_users("an", 10)] == [ann.id, anna.id]
    assert [u.id for u in await storage.find_users(str(bob.id), 10)] == [bob.id]
    assert await storage.find_users("zed", 10) == []
    assert await storage.find_users("an", 1) == [User(ann.id, "Ann", "hash")]


async def test_user_report_counts_everything(storage: Storage) -> None:
    ann, bob, carl, dan = await people(storage, "ann", "bob", "carl", "dan")
    await storage.add_friendship(ann.id, bob.id)
    await storage.add_friendship(ann.id, carl.id)
    await storage.request_friend(dan.id, ann.id, T0, most=10)
    await storage.block(ann.id, dan.id, most=10)  # and that drops dan's request
    await storage.request_friend(ann.id, dan.id, T0, most=10)
    group = await storage.create_group("g", "", ann.id)
    await storage.save_token("t1", await device_of(storage, ann.id), FAR, T0)
    await say(storage, bob, Kind.DIRECT, ann.id, to=[ann.id], n=1)
    report = await storage.user_report(ann.id, 1)
    assert report is not None
    assert report.user == User(ann.id, "ann", "hash")
    assert (report.friends, report.first_friends) == (2, (Contact(bob.id, "bob"),))
    assert report.groups == (GroupRole(group.id, "g", "creator"),)
    assert report.requests == RequestCounts(0, 1)
    assert report.settings == Settings()
    assert (report.blocks, report.deliveries, report.tokens) == (1, 1, 1)
    assert await storage.user_report(dan.id + 100, 1) is None


async def test_disabling_revokes_tokens_and_shows_at_login(storage: Storage) -> None:
    (ann,) = await people(storage, "ann")
    await storage.save_token("t1", await device_of(storage, ann.id), FAR, T0)
    await storage.save_token("t2", await device_of(storage, ann.id), FAR, T0)
    assert await storage.set_disabled(ann.id, True) == 2
    assert await user_of_token(storage, "t1", T0) is None
    assert await storage.devices(ann.id) == []  # none can be resumed: none holds back
    assert (await storage.user_by_id(ann.id)) == User(ann.id, "ann", "hash", disabled=True)
    assert (await storage.user_by_name("ann")) == User(ann.id, "ann", "hash", disabled=True)
    assert await storage.set_disabled(ann.id, False) == 0
    assert (await storage.user_by_id(ann.id)) == User(ann.id, "ann", "hash")
    with pytest.raises(NoSuchUser):
        await storage.set_disabled(ann.id + 1, True)


async def test_delete_user_leaves_a_tombstone_and_others_history(storage: Storage) -> None:
    ann, bob, carl = await people(storage, "ann", "bob", "carl")
    await storage.add_friendship(ann.id, bob.id)
    await storage.request_friend(ann.id, carl.id, T0, most=10)
    await storage.block(carl.id, ann.id, most=10)
    await storage.block(ann.id, bob.id, most=10)
    group = await storage.create_group("g", "", ann.id)
    await storage.join_group(group.id, bob.id)
    other = await storage.create_group("h", "", carl.id, public=False)
    await storage.invite(other.id, carl.id, ann.id, T0, max_pending=10)
    await storage.save_token("t1", await device_of(storage, ann.id), FAR, T0)
    await storage.save_settings(ann.id, Settings(strangers="requests"))
    mid = await say(storage, ann, Kind.DIRECT, bob.id, to=[bob.id], n=1)
    await say(storage, bob, Kind.DIRECT, ann.id, to=[ann.id], n=2)
    await storage.mark_read(ann.id, Conversation.direct(ann.id, bob.id), mid)

    assert await storage.delete_user(ann.id) == tombstone_name(ann.id)

    gone = await storage.user_by_id(ann.id)
    assert gone == User(ann.id, tombstone_name(ann.id), "!", disabled=True)
    assert await storage.user_by_name("ann") is None
    assert await storage.find_users("ann", 10) == []
    assert await storage.users_by_prefix("deleted", 10) == []
    assert await storage.friend_ids(bob.id) == []
    assert await storage.request_counts(carl.id) == RequestCounts(0, 0)
    assert await storage.blocks(carl.id, None, 10) == []
    assert await user_of_token(storage, "t1", T0) is None
    assert await storage.devices(ann.id) == []  # the tombstone keeps no devices
    assert await storage.invitations(ann.id, None, 10) == []
    assert (await storage.pending(ann.id, None, 10)).deliveries == []
    assert await storage.members(group.id, None, 10) == [Member(bob.id, "bob", "creator")]
    report = await storage.user_report(ann.id, 10)
    assert report is not None
    assert (report.friends, report.groups, report.blocks, report.tokens) == (0, (), 0, 0)
    assert report.settings == Settings("nobody", findable=False, receipts=False)
    # The messages ann sent stay in bob's history, under the name she sent them with.
    history = await storage.history(Conversation.direct(ann.id, bob.id), None, 10)
    assert [(m.sender_id, m.sender_name) for m in history] == [(bob.id, "bob"), (ann.id, "ann")]
    # The name is free again, its skeleton too.
    assert (await storage.create_user("ann", "hash", skeleton="ann")).name == "ann"
    with pytest.raises(NoSuchUser):
        await storage.delete_user(ann.id + 100)


async def test_a_deleted_creators_last_group_stays_empty(storage: Storage) -> None:
    (ann,) = await people(storage, "ann")
    group = await storage.create_group("g", "", ann.id)
    await storage.delete_user(ann.id)
    assert await storage.members(group.id, None, 10) == []


async def test_group_report_delete_and_transfer(storage: Storage) -> None:
    ann, bob, carl = await people(storage, "ann", "bob", "carl")
    group = await storage.create_group("Crew", "d", ann.id, skeleton="crew")
    await storage.join_group(group.id, bob.id)
    await storage.invite(group.id, ann.id, carl.id, T0, max_pending=10)
    await say(storage, ann, Kind.GROUP, group.id, to=[bob.id], n=1)
    assert await storage.group_id_by_name("Crew") == group.id
    assert await storage.group_id_by_name("crew") is None

    await storage.transfer_group(group.id, bob.id)
    report = await storage.group_report(group.id, 10)
    assert report is not None
    assert (report.profile.name, report.profile.count) == ("Crew", 2)
    assert report.members == (Member(bob.id, "bob", "creator"), Member(ann.id, "ann", "admin"))
    assert (report.invitations, report.messages) == (1, 1)
    with pytest.raises(NotAMember):
        await storage.transfer_group(group.id, carl.id)

    await storage.delete_group(group.id)
    assert await storage.group_report(group.id, 10) is None
    assert await storage.group_profile(group.id) is None
    # What waited for bob is still his to receive; the rest of the conversation is gone.
    [(seq, waiting)] = (await storage.pending(bob.id, None, 10)).deliveries
    assert (seq, waiting.target, waiting.sender_id) == (1, group.id, ann.id)
    assert await storage.history(Conversation.group(group.id), None, 10) == [waiting]
    assert await storage.invitations(carl.id, None, 10) == []
    assert (await storage.create_group("crew", "", carl.id, skeleton="crew")).name == "crew"
    with pytest.raises(NoSuchGroup):
        await storage.delete_group(group.id)
    with pytest.raises(NoSuchGroup):
        await storage.transfer_group(group.id, bob.id)


async def test_stats(storage: Storage) -> None:
    assert await storage.stats() == Stats(0, 0, 0, 0, 0)
    ann, bob = await people(storage, "ann", "bob")
    await storage.create_group("g", "", ann.id)
    await storage.request_friend(ann.id, bob.id, T0, most=10)
    await say(storage, ann, Kind.DIRECT, bob.id, to=[bob.id], n=1)
    assert await storage.stats() == Stats(users=2, groups=1, messages=1, deliveries=1,
                                          friend_requests=1)  # fmt: skip


async def test_ending_sessions_gives_growing_numbers_to_watch(storage: Storage) -> None:
    ann, bob, carl = await people(storage, "ann", "bob", "carl")
    [(_, start)] = await storage.ended_after(None)
    assert await storage.ended_after(start) == []
    await storage.save_token("t", await device_of(storage, ann.id), T0 + 10**9, T0)
    assert await storage.end_sessions(ann.id) == 1  # its token, forgotten
    assert await storage.devices(ann.id) == []  # and its device
    await storage.set_disabled(bob.id, True)
    await storage.delete_user(carl.id)
    ended = await storage.ended_after(start)
    assert [uid for uid, _ in ended] == [ann.id, bob.id, carl.id]
    numbers = [n for _, n in ended]
    assert numbers == sorted(set(numbers)) and numbers[0] > start
    assert await storage.ended_after(numbers[1]) == [ended[2]]
    await storage.set_disabled(bob.id, False)  # enabling ends nothing
    assert await storage.ended_after(numbers[2]) == []
    with pytest.raises(NoSuchUser):
        await storage.end_sessions(carl.id + 100)


async def test_a_deleted_group_gets_a_number_servers_watch(storage: Storage) -> None:
    ann, bob = await people(storage, "ann", "bob")
    one = await storage.create_group("one", "", ann.id)
    two = await storage.create_group("two", "", bob.id)
    [(_, start)] = await storage.groups_ended_after(None)
    await storage.transfer_group(one.id, ann.id)  # nothing a server keeps changes
    assert await storage.groups_ended_after(start) == []
    await storage.delete_group(one.id)
    await storage.delete_group(two.id)
    ended = await storage.groups_ended_after(start)
    assert [gid for gid, _ in ended] == [one.id, two.id]
    assert await storage.groups_ended_after(ended[0][1]) == [ended[1]]
    assert await storage.ended_after(None) == [(0, 0)]  # users are numbered apart
