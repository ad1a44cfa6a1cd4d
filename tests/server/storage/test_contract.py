"""The Storage contract, run against every backend: the same calls give the same answers."""

from __future__ import annotations

import asyncio
import hashlib
import random
from dataclasses import replace

import pytest

from chatapp.server.storage import (
    CREATOR,
    NORMAL,
    AlreadyExists,
    Contact,
    Conversation,
    Group,
    Kind,
    Logged,
    Member,
    NameTaken,
    NewMessage,
    NoSuchGroup,
    NoSuchUser,
    Pending,
    Storage,
    StoredMessage,
    User,
)
from tests.server.storage.acking import acks
from tests.server.storage.numbered import deliveries_given

INJECTION = "x'); DROP TABLE users; --"

# Text that a careless backend mangles: quoting, escaping, encodings, placeholders.
TRICKY_TEXT = [
    INJECTION,
    'O\'Brien "quoted" `ticks`',
    "back\\slash \\' \\\" \\n \\\\",
    "100% %s %(name)s ? :1 $1 {}",
    "emoji 😀👍🏽👨‍👩‍👧 flags 🇨🇭",
    "中文\uff1a你好\uff0c世界\uff01 (fullwidth punctuation)",
    "control \x01\x02\x07\x08\x0b\x0c\x1b[31m\x7f tab\tnewline\nreturn\r",
    "  padded with spaces  ",
    "é and e\u0301",
]
LONGEST = "😀" * 16_000
"""The longest chat text, every character 4 bytes in UTF-8."""

T0 = 1_714_564_800_000


MID0 = 1 << 40
"""Message ids as the server makes them: time-ordered, below 2**53."""


def one_chat(sender: User, toid: int, n: int, text: str = "hello") -> StoredMessage:
    """Message n from `sender` to `toid`; its mid grows with n."""
    return StoredMessage(
        MID0 + n, Kind.DIRECT, sender.id, sender.name, toid, text, "2024-05-01 12:00:00", T0 + n
    )


def group_chat(sender: User, groupid: int, n: int, text: str = "hi all") -> StoredMessage:
    return StoredMessage(
        MID0 + n, Kind.GROUP, sender.id, sender.name, groupid, text, "2024-05-01 12:00:01", T0 + n
    )


def delivered(message: StoredMessage, seq: int) -> tuple[int, StoredMessage]:
    """The message as its recipient gets it: numbered in their delivery sequence."""
    return (seq, message)


def to(message: StoredMessage, *recipients: User, cid: str | None = None) -> NewMessage:
    return NewMessage(message, tuple(r.id for r in recipients), cid)


async def make_users(storage: Storage, *names: str) -> list[User]:
    return [await storage.create_user(name, f"scrypt$hash-of-{name}") for name in names]


ALL = 1000
"""A page larger than any list of these tests."""


async def friends_of(storage: Storage, user_id: int) -> list[Contact]:
    """Every friend of the user, in one page."""
    return await storage.friends(user_id, None, ALL)


async def groups_of(storage: Storage, user_id: int) -> list[Group]:
    """Every group of the user, in one page."""
    return await storage.groups_of(user_id, None, ALL)


async def members_of(storage: Storage, group_id: int) -> list[Member] | None:
    """Every member of the group, in one page."""
    return await storage.members(group_id, None, ALL)


# --- users -------------------------------------------------------------------------


async def test_create_user_then_find_it_by_id_and_name(storage: Storage) -> None:
    user = await storage.create_user("alice", "scrypt$14$8$1$salt$key")
    assert user == User(user.id, "alice", "scrypt$14$8$1$salt$key")
    assert await storage.user_by_id(user.id) == user
    assert await storage.user_by_name("alice") == user


async def test_unknown_users_are_none(storage: Storage) -> None:
    (alice,) = await make_users(storage, "alice")
    assert await storage.user_by_id(alice.id + 1000) is None
    assert await storage.user_by_name("bob") is None


async def test_ids_increase(storage: Storage) -> None:
    users = await make_users(storage, "a", "b", "c")
    assert [u.id for u in users] == sorted({u.id for u in users})


async def test_a_taken_name_raises_and_keeps_the_first_user(storage: Storage) -> None:
    (alice,) = await make_users(storage, "alice")
    with pytest.raises(NameTaken):
        await storage.create_user("alice", "another hash")
    assert await storage.user_by_name("alice") == alice


async def test_names_compare_exactly(storage: Storage) -> None:
    names = ["alice", "Alice", "ALICE", "alice ", " alice", "álice", "a\u0301lice", "alíce"]
    users = await make_users(storage, *names)
    for user in users:
        assert await storage.user_by_name(user.name) == user
    assert await storage.user_by_name("alIce") is None
    assert await storage.user_by_name("alice  ") is None


@pytest.mark.parametrize("name", TRICKY_TEXT)
async def test_names_survive_exactly(storage: Storage, name: str) -> None:
    user = await storage.create_user(name, f"hash {name}")
    assert await storage.user_by_id(user.id) == User(user.id, name, f"hash {name}")
    assert await storage.user_by_name(name) == user
    group = await storage.create_group(name, name, user.id)
    assert (await groups_of(storage, user.id)) == [group]
    assert (group.name, group.desc) == (name, name)
    # The tables are still there and still work.
    (other,) = await make_users(storage, "other")
    assert await storage.user_by_name("other") == other


# --- friends -----------------------------------------------------------------------


async def test_friendship_is_mutual_and_friends_are_ordered_by_id(storage: Storage) -> None:
    a, b, c, d = await make_users(storage, "a", "b", "c", "d")
    assert await storage.add_friendship(a.id, d.id) == Contact(d.id, "d")
    assert await storage.add_friendship(a.id, b.id) == Contact(b.id, "b")
    assert await storage.add_friendship(c.id, a.id) == Contact(a.id, "a")
    assert await friends_of(storage, a.id) == [
        Contact(b.id, "b"),
        Contact(c.id, "c"),
        Contact(d.id, "d"),
    ]
    assert await friends_of(storage, b.id) == [Contact(a.id, "a")]
    assert await friends_of(storage, c.id) == [Contact(a.id, "a")]
    assert await friends_of(storage, d.id) == [Contact(a.id, "a")]


async def test_no_friends_is_an_empty_list(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    assert await friends_of(storage, a.id) == []
    assert await friends_of(storage, a.id + 1000) == []


async def test_befriending_an_unknown_user_raises(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    with pytest.raises(NoSuchUser):
        await storage.add_friendship(a.id, a.id + 1000)
    assert await friends_of(storage, a.id) == []


async def test_a_friendship_exists_once_in_either_direction(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    await storage.add_friendship(a.id, b.id)
    with pytest.raises(AlreadyExists):
        await storage.add_friendship(a.id, b.id)
    with pytest.raises(AlreadyExists):
        await storage.add_friendship(b.id, a.id)
    assert await friends_of(storage, a.id) == [Contact(b.id, "b")]
    assert await friends_of(storage, b.id) == [Contact(a.id, "a")]


async def test_an_unknown_user_befriending_raises_no_such_user(storage: Storage) -> None:
    (b,) = await make_users(storage, "b")
    with pytest.raises(NoSuchUser):
        await storage.add_friendship(b.id + 1000, b.id)
    assert await friends_of(storage, b.id) == []


# --- groups ------------------------------------------------------------------------


async def test_create_group_makes_the_creator_its_only_member(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    group = await storage.create_group("team", "the team", a.id)
    assert group == Group(group.id, "team", "the team", 1)
    assert await members_of(storage, group.id) == [Member(a.id, "a", CREATOR)]
    assert await storage.group_member_ids(group.id) == [a.id]
    assert await groups_of(storage, a.id) == [group]


async def test_a_taken_group_name_raises(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    team = await storage.create_group("team", "first", a.id)
    with pytest.raises(NameTaken):
        await storage.create_group("team", "second", b.id)
    assert await groups_of(storage, b.id) == []
    assert await groups_of(storage, a.id) == [team]
    # Exact comparison, as for user names.
    other = await storage.create_group("Team", "", b.id)
    spaced = await storage.create_group("team ", "", b.id)
    assert await groups_of(storage, b.id) == [other, spaced]


async def test_join_group_returns_the_count_and_members_are_ordered_by_id(
    storage: Storage,
) -> None:
    a, b, c = await make_users(storage, "a", "b", "c")
    group = await storage.create_group("team", "desc", c.id)
    after_b = await storage.join_group(group.id, b.id)
    assert after_b == Group(group.id, "team", "desc", 2)
    assert await members_of(storage, group.id) == [
        Member(b.id, "b", NORMAL),
        Member(c.id, "c", CREATOR),
    ]
    after_a = await storage.join_group(group.id, a.id)
    assert after_a == Group(group.id, "team", "desc", 3)
    assert await members_of(storage, group.id) == [
        Member(a.id, "a", NORMAL),
        Member(b.id, "b", NORMAL),
        Member(c.id, "c", CREATOR),
    ]
    assert await storage.group_member_ids(group.id) == [a.id, b.id, c.id]
    assert await groups_of(storage, a.id) == [after_a]


async def test_joining_an_unknown_group_raises(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    with pytest.raises(NoSuchGroup):
        await storage.join_group(12345, a.id)
    assert await groups_of(storage, a.id) == []


async def test_a_member_joins_once(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    group = await storage.create_group("team", "", a.id)
    await storage.join_group(group.id, b.id)
    for user in (a, b):
        with pytest.raises(AlreadyExists):
            await storage.join_group(group.id, user.id)
    assert await storage.group_member_ids(group.id) == [a.id, b.id]


async def test_member_ids_of_an_unknown_group_are_none(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    group = await storage.create_group("team", "", a.id)
    assert await storage.group_member_ids(group.id + 1000) is None
    assert await members_of(storage, group.id + 1000) is None


async def test_groups_of_counts_members_and_members_have_roles(storage: Storage) -> None:
    a, b, c, d = await make_users(storage, "a", "b", "c", "d")
    first = await storage.create_group("first", "1", a.id)
    second = await storage.create_group("second", "2", b.id)
    third = await storage.create_group("third", "3", c.id)
    fourth = await storage.create_group("fourth", "4", d.id)
    await storage.join_group(fourth.id, a.id)
    await storage.join_group(second.id, a.id)
    await storage.join_group(second.id, c.id)
    assert await groups_of(storage, a.id) == [
        first,
        Group(second.id, "second", "2", 3),
        Group(fourth.id, "fourth", "4", 2),
    ]
    assert await members_of(storage, second.id) == [
        Member(a.id, "a", NORMAL),
        Member(b.id, "b", CREATOR),
        Member(c.id, "c", NORMAL),
    ]
    assert await members_of(storage, fourth.id) == [
        Member(a.id, "a", NORMAL),
        Member(d.id, "d", CREATOR),
    ]
    assert [g.id for g in await groups_of(storage, c.id)] == [second.id, third.id]
    assert await groups_of(storage, d.id + 1000) == []


async def test_an_unknown_creator_raises_no_such_user_and_leaves_no_group(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    with pytest.raises(NoSuchUser):
        await storage.create_group("team", "", a.id + 1000)
    group = await storage.create_group("team", "", a.id)
    assert group.count == 1
    assert await members_of(storage, group.id) == [Member(a.id, "a", CREATOR)]


async def test_an_unknown_user_joining_raises_no_such_user(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    group = await storage.create_group("team", "", a.id)
    with pytest.raises(NoSuchUser):
        await storage.join_group(group.id, a.id + 1000)


# --- the message log ---------------------------------------------------------------


async def test_nothing_logged_is_nothing_pending(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    assert await storage.pending(a.id, None, 10) == Pending(0, [])
    assert await storage.pending(a.id + 1000, None, 10) == Pending(0, [])
    assert await storage.log_messages([]) == []


async def test_logged_messages_are_pending_numbered_per_recipient(storage: Storage) -> None:
    a, b, c = await make_users(storage, "a", "b", "c")
    first, second, third = one_chat(a, b.id, 1), group_chat(a, 7, 2), one_chat(c, b.id, 3)
    logged = await storage.log_messages([to(first, b), to(second, c, b), to(third, b)])
    assert logged == [
        Logged(first.mid, ((b.id, 1),)),
        Logged(second.mid, ((c.id, 1), (b.id, 2))),
        Logged(third.mid, ((b.id, 3),)),
    ]
    assert await storage.pending(b.id, None, 10) == Pending(
        0, [delivered(first, 1), delivered(second, 2), delivered(third, 3)]
    )
    assert await storage.pending(c.id, None, 10) == Pending(0, [delivered(second, 1)])
    assert await storage.pending(a.id, None, 10) == Pending(0, [])
    # Reading does not consume: only acknowledgements do.
    assert len((await storage.pending(b.id, None, 10)).deliveries) == 3


async def test_sequences_continue_across_batches_without_gaps(storage: Storage) -> None:
    a, b, c = await make_users(storage, "a", "b", "c")
    n = 0
    for size in (1, 3, 2, 5):
        batch = []
        for _ in range(size):
            n += 1
            recipients = (b, c) if n % 2 else (c, a, b)
            batch.append(to(group_chat(a, 7, n), *recipients))
        await storage.log_messages(batch)
    for user, count in ((a, 5), (b, 11), (c, 11)):
        pending = await storage.pending(user.id, None, 100)
        assert [seq for seq, _ in pending.deliveries] == list(range(1, count + 1))
        mids = [m.mid for _, m in pending.deliveries]
        assert mids == sorted(mids)


async def test_a_message_for_nobody_is_kept_for_history_only(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    alone = group_chat(a, 7, 1)
    assert await storage.log_messages([to(alone)]) == [Logged(alone.mid, ())]
    assert await storage.history(alone.conversation, None, 10) == [alone]
    assert await storage.pending(a.id, None, 10) == Pending(0, [])
    second = one_chat(a, b.id, 2)
    assert await storage.log_messages([to(second, b)]) == [Logged(second.mid, ((b.id, 1),))]


async def test_acks_move_the_cursor_forward_only(storage: Storage) -> None:
    a, b, c = await make_users(storage, "a", "b", "c")
    sent = [one_chat(a, b.id, n) for n in range(1, 6)]
    await storage.log_messages([to(m, b, c) for m in sent])
    assert await storage.log_messages([], await acks(storage, {b.id: 3})) == []
    rest = [delivered(sent[3], 4), delivered(sent[4], 5)]
    assert await storage.pending(b.id, None, 10) == Pending(3, rest)
    # Acknowledged deliveries are forgotten, whatever `after` asks for.
    assert await storage.pending(b.id, 0, 10) == Pending(0, rest)
    await storage.log_messages([], await acks(storage, {b.id: 1}))
    assert await storage.pending(b.id, None, 10) == Pending(3, rest)
    # Another user's cursor did not move.
    assert (await storage.pending(c.id, None, 10)).after == 0
    assert len((await storage.pending(c.id, None, 10)).deliveries) == 5
    # Acks ride along with a batch; the cursor may move past what was delivered so far.
    sixth = one_chat(a, b.id, 6)
    logged = await storage.log_messages([to(sixth, b)], await acks(storage, {b.id: 5, c.id: 2}))
    assert logged == [Logged(sixth.mid, ((b.id, 6),))]
    assert await storage.pending(b.id, None, 10) == Pending(5, [delivered(sixth, 6)])
    assert (await storage.pending(c.id, None, 10)).after == 2
    await storage.log_messages([], await acks(storage, {b.id: 6}))
    assert await storage.pending(b.id, None, 10) == Pending(6, [])


async def test_pending_after_a_number_and_up_to_a_limit(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    sent = [one_chat(a, b.id, n) for n in range(1, 6)]
    await storage.log_messages([to(m, b) for m in sent])
    numbered = [delivered(m, n) for n, m in enumerate(sent, 1)]
    assert await storage.pending(b.id, 2, 2) == Pending(2, numbered[2:4])
    assert await storage.pending(b.id, 4, 10) == Pending(4, numbered[4:])
    assert await storage.pending(b.id, 5, 10) == Pending(5, [])
    assert await storage.pending(b.id, 9, 10) == Pending(9, [])
    assert await storage.pending(b.id, None, 1) == Pending(0, numbered[:1])
    assert await storage.pending(b.id, None, 0) == Pending(0, [])
    await storage.log_messages([], await acks(storage, {b.id: 1}))
    assert await storage.pending(b.id, None, 0) == Pending(1, [])


async def test_a_cid_logged_before_makes_a_duplicate(storage: Storage) -> None:
    a, b, c = await make_users(storage, "a", "b", "c")
    first = one_chat(a, b.id, 1)
    assert await storage.log_messages([to(first, b, cid="x")]) == [Logged(first.mid, ((b.id, 1),))]
    retry = one_chat(a, b.id, 2, "hello again")
    assert await storage.log_messages([to(retry, b, cid="x")]) == [
        Logged(first.mid, ((b.id, 1),), first)
    ]
    # Another sender's cid, a cid differing only in trailing space or case, and no cid at
    # all are not duplicates.
    others = [
        to(one_chat(c, b.id, 3), b, cid="x"),
        to(one_chat(a, b.id, 4), b, cid="x "),
        to(one_chat(a, b.id, 5), b, cid="X"),
        to(one_chat(a, b.id, 6), b),
        to(one_chat(a, b.id, 7), b),
    ]
    logged = await storage.log_messages(others)
    assert [(x.duplicate, x.deliveries) for x in logged] == [
        (False, ((b.id, n),)) for n in range(2, 7)
    ]
    pending = await storage.pending(b.id, None, 10)
    assert [m.mid for _, m in pending.deliveries] == [MID0 + n for n in (1, 3, 4, 5, 6, 7)]
    assert retry.mid not in [m.mid for m in await storage.history(first.conversation, None, 10)]


async def test_a_cid_twice_in_one_batch_logs_the_first(storage: Storage) -> None:
    a, b, c = await make_users(storage, "a", "b", "c")
    first, again, other = group_chat(a, 7, 1), group_chat(a, 7, 2), group_chat(a, 7, 3)
    batch = [to(first, b, c, cid="x"), to(again, b, c, cid="x"), to(other, b, cid="y")]
    assert await storage.log_messages(batch) == [
        Logged(first.mid, ((b.id, 1), (c.id, 1))),
        Logged(first.mid, ((b.id, 1), (c.id, 1)), first),
        Logged(other.mid, ((b.id, 2),)),
    ]
    assert await storage.pending(c.id, None, 10) == Pending(0, [delivered(first, 1)])
    assert await storage.history(first.conversation, None, 10) == [other, first]


async def test_a_duplicate_carries_the_firsts_deliveries_still_in_the_log(
    storage: Storage,
) -> None:
    """So that a retry whose first attempt was committed unheard can be delivered."""
    a, b, c, d = await make_users(storage, "a", "b", "c", "d")
    first = group_chat(a, 7, 1)
    await storage.log_messages([to(first, b, c, cid="x")])
    second = one_chat(a, b.id, 2)
    await storage.log_messages(
        [to(second, b), to(one_chat(a, c.id, 3), c)], await acks(storage, {b.id: 1})
    )
    # b acknowledged the first: only c's delivery is still in the log. The first message
    # comes back as it was logged, not as the retry has it; a recipient the first did not
    # have (d), or that the retry leaves out, gets nothing.
    retry = group_chat(a, 7, 4, "hi all, again")
    assert await storage.log_messages([to(retry, b, c, d, cid="x")]) == [
        Logged(first.mid, ((c.id, 1),), first)
    ]
    assert await storage.log_messages([to(retry, b, d, cid="x")]) == [Logged(first.mid, (), first)]
    # Twice in a batch, the second a retry of a message logged before: both carry it.
    batch = [to(retry, c, cid="x"), to(group_chat(a, 7, 5), c, cid="x")]
    assert await storage.log_messages(batch, await acks(storage, {c.id: 1})) == [
        Logged(first.mid, ((c.id, 1),), first),
        Logged(first.mid, ((c.id, 1),), first),
    ]
    # Once c acknowledged it too, a retry carries nothing; the log is unchanged.
    assert await storage.log_messages([to(retry, b, c, cid="x")]) == [Logged(first.mid, (), first)]
    assert await storage.pending(c.id, None, 10) == Pending(1, [delivered(one_chat(a, c.id, 3), 2)])
    assert await storage.pending(b.id, None, 10) == Pending(1, [delivered(second, 2)])


async def test_an_unknown_recipient_raises_and_logs_nothing(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    first = one_chat(a, b.id, 1)
    await storage.log_messages([to(first, b)])
    good, bad = one_chat(a, b.id, 2), group_chat(a, 7, 3)
    batch = [to(good, b, cid="c"), NewMessage(bad, (b.id, b.id + 1000))]
    with pytest.raises(NoSuchUser):
        await storage.log_messages(batch, await acks(storage, {b.id: 1}))
    assert await storage.pending(b.id, None, 10) == Pending(0, [delivered(first, 1)])
    assert await storage.history(good.conversation, None, 10) == [first]
    assert await storage.history(bad.conversation, None, 10) == []
    # The failed batch used no sequence number and no cid.
    assert await storage.log_messages(batch[:1]) == [Logged(good.mid, ((b.id, 2),))]


async def test_an_unknown_sender_raises_no_such_user(storage: Storage) -> None:
    (b,) = await make_users(storage, "b")
    ghost = User(b.id + 1000, "ghost", "")
    with pytest.raises(NoSuchUser):
        await storage.log_messages([to(one_chat(ghost, b.id, 1), b)])
    assert await storage.pending(b.id, None, 10) == Pending(0, [])


async def test_history_of_two_users_is_one_conversation_newest_first(storage: Storage) -> None:
    a, b, c = await make_users(storage, "a", "b", "c")
    talk = [one_chat(a, b.id, 1), one_chat(b, a.id, 2), one_chat(a, b.id, 4), one_chat(b, a.id, 5)]
    elsewhere = [one_chat(a, c.id, 3), one_chat(c, b.id, 6), group_chat(a, b.id, 7)]
    await storage.log_messages([to(m, b) for m in talk[:2] + elsewhere[:1]])
    await storage.log_messages([to(m, b) for m in talk[2:] + elsewhere[1:]])
    assert talk[0].conversation == talk[1].conversation
    conversation = talk[1].conversation
    newest_first = talk[::-1]
    assert await storage.history(conversation, None, 10) == newest_first
    assert await storage.history(conversation, None, 2) == newest_first[:2]
    assert await storage.history(conversation, talk[2].mid, 10) == newest_first[2:]
    assert await storage.history(conversation, talk[2].mid, 1) == newest_first[2:3]
    assert await storage.history(conversation, talk[0].mid, 10) == []
    assert await storage.history(conversation, MID0 + 1000, 10) == newest_first
    assert await storage.history(elsewhere[0].conversation, None, 10) == [elsewhere[0]]


async def test_history_of_a_group_newest_first(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    team = [group_chat(a, 7, 1), group_chat(b, 7, 2), group_chat(a, 7, 4)]
    other = [
        group_chat(a, 8, 3),
        one_chat(a, 7, 5),
    ]  # a chat with user 7 is no group chat
    await storage.log_messages([to(m, b) for m in team + other])
    conversation = team[0].conversation
    assert await storage.history(conversation, None, 10) == team[::-1]
    assert await storage.history(conversation, team[2].mid, 10) == team[1::-1]
    assert await storage.history(conversation, None, 1) == team[2:]
    assert await storage.history(other[0].conversation, None, 10) == other[:1]
    assert await storage.history(other[1].conversation, None, 10) == other[1:]
    assert await storage.history(Conversation.group(9), None, 10) == []


async def test_message_fields_survive_at_their_limits(storage: Storage) -> None:
    (b,) = await make_users(storage, "b")
    edge = StoredMessage((1 << 63) - 1, Kind.DIRECT, b.id, "", -(1 << 63), "", "", 0)
    also = StoredMessage(
        0, Kind.GROUP, b.id, "x" * 255, (1 << 63) - 1, "x", "t" * 64, (1 << 63) - 1
    )
    await storage.log_messages([to(edge, b), to(also, b)])
    assert await storage.pending(b.id, None, 10) == Pending(
        0, [delivered(edge, 1), delivered(also, 2)]
    )
    assert await storage.history(edge.conversation, None, 10) == [edge]
    assert await storage.history(also.conversation, None, 10) == [also]


@pytest.mark.parametrize("text", [*TRICKY_TEXT, LONGEST], ids=range(len(TRICKY_TEXT) + 1))
async def test_message_text_survives_exactly(storage: Storage, text: str) -> None:
    a, b = await make_users(storage, "a", "b")
    sender = replace(a, name=text if len(text) <= 64 else "alice")
    messages = [one_chat(sender, b.id, 1, text), group_chat(sender, 7, 2, text)]
    cid = text[:64]  # the longest cid the protocol allows, 4 bytes a character here
    logged = await storage.log_messages([to(messages[0], b, cid=cid), to(messages[1], b)])
    assert await storage.pending(b.id, None, 10) == Pending(
        0, [delivered(m, n) for n, m in enumerate(messages, 1)]
    )
    for message in messages:
        assert await storage.history(message.conversation, None, 10) == [message]
    again = await storage.log_messages([to(one_chat(sender, b.id, 3, text), b, cid=cid)])
    assert again == [Logged(logged[0].mid, ((b.id, 1),), messages[0])]


async def test_concurrent_batches_number_each_users_deliveries_once(storage: Storage) -> None:
    users = await make_users(storage, *"abcdef")
    rng = random.Random(7)
    batches = []
    for b in range(16):
        batch = []
        for n in range(8):
            sender = rng.choice(users)
            recipients = rng.sample(users, rng.randint(1, 4))
            message = group_chat(sender, 7, b * 100 + n)
            batch.append(to(message, *recipients, cid=f"{b}-{n % 6}"))
        batches.append(batch)
    results = await asyncio.gather(*(storage.log_messages(batch) for batch in batches))
    given = deliveries_given(results, (u.id for u in users))
    for user in users:
        seqs = sorted(seq for seq, _ in given[user.id])
        assert seqs == list(range(1, len(seqs) + 1))
        pending = await storage.pending(user.id, None, 1000)
        assert [(seq, m.mid) for seq, m in pending.deliveries] == sorted(given[user.id])


# --- resume tokens -----------------------------------------------------------------


def token(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()
