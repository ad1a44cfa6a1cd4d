"""The Storage contract, run against every backend: the same calls give the same answers."""

from __future__ import annotations

import asyncio

import pytest

from chatapp.protocol import Chat, ChatMessage, GroupMessage
from chatapp.server.storage import (
    CREATOR,
    NORMAL,
    AlreadyExists,
    Contact,
    Group,
    Member,
    NameTaken,
    NoSuchGroup,
    NoSuchUser,
    Storage,
    User,
)

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


def one_chat(n: int, text: str = "hello", name: str = "alice") -> ChatMessage:
    return ChatMessage(1, name, 2, text, "2024-05-01 12:00:00", (1 << 62) + n, T0 + n)


def group_chat(n: int, text: str = "hi all", name: str = "alice") -> GroupMessage:
    return GroupMessage(1, name, 7, text, "2024-05-01 12:00:01", (1 << 62) + n, T0 + n)


async def make_users(storage: Storage, *names: str) -> list[User]:
    return [await storage.create_user(name, f"scrypt$hash-of-{name}") for name in names]


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
    assert (await storage.groups_of(user.id)) == [group]
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
    assert await storage.friends(a.id) == [
        Contact(b.id, "b"),
        Contact(c.id, "c"),
        Contact(d.id, "d"),
    ]
    assert await storage.friends(b.id) == [Contact(a.id, "a")]
    assert await storage.friends(c.id) == [Contact(a.id, "a")]
    assert await storage.friends(d.id) == [Contact(a.id, "a")]


async def test_no_friends_is_an_empty_list(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    assert await storage.friends(a.id) == []
    assert await storage.friends(a.id + 1000) == []


async def test_befriending_an_unknown_user_raises(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    with pytest.raises(NoSuchUser):
        await storage.add_friendship(a.id, a.id + 1000)
    assert await storage.friends(a.id) == []


async def test_a_friendship_exists_once_in_either_direction(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    await storage.add_friendship(a.id, b.id)
    with pytest.raises(AlreadyExists):
        await storage.add_friendship(a.id, b.id)
    with pytest.raises(AlreadyExists):
        await storage.add_friendship(b.id, a.id)
    assert await storage.friends(a.id) == [Contact(b.id, "b")]
    assert await storage.friends(b.id) == [Contact(a.id, "a")]


async def test_an_unknown_user_befriending_raises_no_such_user(storage: Storage) -> None:
    (b,) = await make_users(storage, "b")
    with pytest.raises(NoSuchUser):
        await storage.add_friendship(b.id + 1000, b.id)
    assert await storage.friends(b.id) == []


# --- groups ------------------------------------------------------------------------


async def test_create_group_makes_the_creator_its_only_member(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    group = await storage.create_group("team", "the team", a.id)
    assert group == Group(group.id, "team", "the team", (Member(a.id, "a", CREATOR),))
    assert await storage.group_member_ids(group.id) == [a.id]
    assert await storage.groups_of(a.id) == [group]


async def test_a_taken_group_name_raises(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    team = await storage.create_group("team", "first", a.id)
    with pytest.raises(NameTaken):
        await storage.create_group("team", "second", b.id)
    assert await storage.groups_of(b.id) == []
    assert await storage.groups_of(a.id) == [team]
    # Exact comparison, as for user names.
    other = await storage.create_group("Team", "", b.id)
    spaced = await storage.create_group("team ", "", b.id)
    assert await storage.groups_of(b.id) == [other, spaced]


async def test_join_group_returns_every_member_ordered_by_id(storage: Storage) -> None:
    a, b, c = await make_users(storage, "a", "b", "c")
    group = await storage.create_group("team", "desc", c.id)
    after_b = await storage.join_group(group.id, b.id)
    assert after_b.members == (Member(b.id, "b", NORMAL), Member(c.id, "c", CREATOR))
    after_a = await storage.join_group(group.id, a.id)
    assert after_a == Group(
        group.id,
        "team",
        "desc",
        (Member(a.id, "a", NORMAL), Member(b.id, "b", NORMAL), Member(c.id, "c", CREATOR)),
    )
    assert await storage.group_member_ids(group.id) == [a.id, b.id, c.id]


async def test_joining_an_unknown_group_raises(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    with pytest.raises(NoSuchGroup):
        await storage.join_group(12345, a.id)
    assert await storage.groups_of(a.id) == []


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


async def test_groups_of_lists_every_member_and_role_ordered_by_group(storage: Storage) -> None:
    a, b, c, d = await make_users(storage, "a", "b", "c", "d")
    first = await storage.create_group("first", "1", a.id)
    second = await storage.create_group("second", "2", b.id)
    third = await storage.create_group("third", "3", c.id)
    fourth = await storage.create_group("fourth", "4", d.id)
    await storage.join_group(fourth.id, a.id)
    await storage.join_group(second.id, a.id)
    await storage.join_group(second.id, c.id)
    assert await storage.groups_of(a.id) == [
        first,
        Group(
            second.id,
            "second",
            "2",
            (Member(a.id, "a", NORMAL), Member(b.id, "b", CREATOR), Member(c.id, "c", NORMAL)),
        ),
        Group(fourth.id, "fourth", "4", (Member(a.id, "a", NORMAL), Member(d.id, "d", CREATOR))),
    ]
    assert [g.id for g in await storage.groups_of(c.id)] == [second.id, third.id]
    assert await storage.groups_of(d.id + 1000) == []


async def test_an_unknown_creator_raises_no_such_user_and_leaves_no_group(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    with pytest.raises(NoSuchUser):
        await storage.create_group("team", "", a.id + 1000)
    group = await storage.create_group("team", "", a.id)
    assert group.members == (Member(a.id, "a", CREATOR),)


async def test_an_unknown_user_joining_raises_no_such_user(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    group = await storage.create_group("team", "", a.id)
    with pytest.raises(NoSuchUser):
        await storage.join_group(group.id, a.id + 1000)


# --- offline messages --------------------------------------------------------------


async def test_nothing_stored_is_an_empty_list(storage: Storage) -> None:
    (a,) = await make_users(storage, "a")
    assert await storage.take_offline(a.id) == []


async def test_offline_messages_come_back_once_in_order(storage: Storage) -> None:
    a, b, c = await make_users(storage, "a", "b", "c")
    first, second, third = one_chat(1), group_chat(2), one_chat(3, "last")
    await storage.store_offline([b.id], first)
    await storage.store_offline([c.id, b.id], second)
    await storage.store_offline([b.id], third)
    assert await storage.take_offline(b.id) == [first, second, third]
    assert await storage.take_offline(c.id) == [second]
    assert await storage.take_offline(b.id) == []
    assert await storage.take_offline(a.id) == []


async def test_a_message_stored_after_a_take_comes_with_the_next(storage: Storage) -> None:
    (b,) = await make_users(storage, "b")
    await storage.store_offline([b.id], one_chat(1))
    assert await storage.take_offline(b.id) == [one_chat(1)]
    await storage.store_offline([b.id], group_chat(2))
    assert await storage.take_offline(b.id) == [group_chat(2)]


async def test_storing_for_nobody_does_nothing(storage: Storage) -> None:
    (b,) = await make_users(storage, "b")
    await storage.store_offline([], one_chat(1))
    assert await storage.take_offline(b.id) == []


async def test_storing_for_an_unknown_user_raises_no_such_user(storage: Storage) -> None:
    (b,) = await make_users(storage, "b")
    with pytest.raises(NoSuchUser):
        await storage.store_offline([b.id, b.id + 1000], one_chat(1))
    assert await storage.take_offline(b.id) == []


async def test_message_fields_survive_at_their_limits(storage: Storage) -> None:
    (b,) = await make_users(storage, "b")
    edge = ChatMessage(-1, "", -(1 << 63), "", "", (1 << 63) - 1, 0)
    also = GroupMessage((1 << 63) - 1, "x" * 255, (1 << 63) - 1, "x", "t" * 64, 0, (1 << 63) - 1)
    await storage.store_offline([b.id], edge)
    await storage.store_offline([b.id], also)
    assert await storage.take_offline(b.id) == [edge, also]


@pytest.mark.parametrize("text", [*TRICKY_TEXT, LONGEST], ids=range(len(TRICKY_TEXT) + 1))
async def test_message_text_survives_exactly(storage: Storage, text: str) -> None:
    (b,) = await make_users(storage, "b")
    sender = text if len(text) <= 64 else "alice"
    messages: list[Chat] = [one_chat(1, text, sender), group_chat(2, text, sender)]
    for message in messages:
        await storage.store_offline([b.id], message)
    assert await storage.take_offline(b.id) == messages


async def test_concurrent_takes_return_each_message_exactly_once(storage: Storage) -> None:
    (b,) = await make_users(storage, "b")
    sent = [one_chat(n) for n in range(20)]
    for message in sent:
        await storage.store_offline([b.id], message)
    results = await asyncio.gather(*(storage.take_offline(b.id) for _ in range(8)))
    assert sorted((m for batch in results for m in batch), key=lambda m: m.mid) == sent
    assert [batch for batch in results if batch] == [sent]


async def test_takes_while_storing_never_lose_nor_repeat_a_message(storage: Storage) -> None:
    b, c = await make_users(storage, "b", "c")
    sent = [one_chat(n) if n % 2 else group_chat(n) for n in range(60)]
    stored = asyncio.Event()

    async def store() -> None:
        try:
            for message in sent:
                await storage.store_offline([b.id, c.id], message)
        finally:
            stored.set()  # the takers stop even when storing fails

    async def take(user_id: int) -> list[Chat]:
        taken: list[Chat] = []
        while not stored.is_set():
            taken.extend(await storage.take_offline(user_id))
        return taken

    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(store())
        takers = [tasks.create_task(take(user.id)) for user in (b, b, b, c)]
    results = [taker.result() for taker in takers]
    for user, taken in [(b, [m for r in results[:3] for m in r]), (c, results[3])]:
        everything = taken + await storage.take_offline(user.id)
        assert sorted(everything, key=lambda m: m.mid) == sent
    for taken in results:
        assert taken == sorted(taken, key=lambda m: m.mid)
