"""The Storage contract for finding people, conversations and read markers, on every backend."""

from __future__ import annotations

import pytest

from chatapp.server.storage import (
    Contact,
    Conversation,
    NoSuchUser,
    Settings,
    Storage,
    StoredMessage,
)
from tests.server.storage.test_contract import (
    INJECTION,
    group_chat,
    make_users,
    one_chat,
    to,
)

CAP = 5


async def test_a_prefix_finds_names_case_insensitively_in_order(storage: Storage) -> None:
    names = ("Anna", "anneliese", "ANDRÉ", "Bob", "Straße", "annA2")
    users = await make_users(storage, *names)
    found = await storage.users_by_prefix("an", 10)
    assert [u.name for u in found] == ["ANDRÉ", "Anna", "annA2", "anneliese"]
    assert all(isinstance(u, Contact) for u in found)
    assert [u.name for u in await storage.users_by_prefix("ANN", 2)] == ["Anna", "annA2"]
    assert [u.name for u in await storage.users_by_prefix("andré", 10)] == ["ANDRÉ"]
    assert [u.id for u in await storage.users_by_prefix("STRASS", 10)] == [users[4].id]
    assert await storage.users_by_prefix("x", 10) == []
    assert await storage.users_by_prefix(INJECTION, 10) == []
    assert await storage.users_by_prefix("%", 10) == []


async def test_a_prefix_leaves_out_users_who_will_not_be_found(storage: Storage) -> None:
    ann, anna, _ = await make_users(storage, "ann", "anna", "annika")
    await storage.save_settings(anna.id, Settings(findable=False))
    await storage.save_settings(ann.id, Settings(receipts=False))
    assert [u.name for u in await storage.users_by_prefix("ann", 10)] == ["ann", "annika"]


async def test_conversations_come_newest_first_with_their_last_message(storage: Storage) -> None:
    a, b, c, d = await make_users(storage, "a", "b", "c", "d")
    group = await storage.create_group("g", "", b.id)
    await storage.join_group(group.id, a.id)
    other = await storage.create_group("h", "", c.id)
    m1, m2 = one_chat(a, b.id, 1), one_chat(b, a.id, 2)
    g3, m4 = group_chat(b, group.id, 3), one_chat(c, a.id, 4)
    h5 = group_chat(c, other.id, 5)  # a is not in h
    batch = [to(m1, b), to(m2, a), to(g3, a), to(m4, a), to(h5)]
    await storage.log_messages(batch)
    found = await storage.conversations(a.id, None, 10, CAP)
    assert [(r.conversation, r.other_id, r.other_name) for r in found] == [
        (Conversation.direct(a.id, c.id), c.id, "c"),
        (Conversation.group(group.id), group.id, "g"),
        (Conversation.direct(a.id, b.id), b.id, "b"),
    ]
    assert [r.last for r in found] == [m4, g3, m2]
    assert [(r.read, r.unread) for r in found] == [(0, 1), (0, 1), (0, 1)]
    older = await storage.conversations(a.id, m4.mid, 1, CAP)
    assert [r.last for r in older] == [g3]
    assert [r.last for r in await storage.conversations(a.id, g3.mid, 5, CAP)] == [m2]
    assert [r.last for r in await storage.conversations(d.id, None, 5, CAP)] == []
    assert [r.last for r in await storage.conversations(b.id, None, 5, CAP)] == [g3, m2]


async def test_unread_counts_others_messages_after_the_marker_up_to_the_cap(
    storage: Storage,
) -> None:
    a, b = await make_users(storage, "a", "b")
    sent = [one_chat(b, a.id, n) for n in range(1, 9)] + [one_chat(a, b.id, 9)]
    for message in sent:
        await storage.log_messages([to(message, a if message.sender_id == b.id else b)])
    conversation = Conversation.direct(a.id, b.id)
    [row] = await storage.conversations(a.id, None, 5, CAP)
    assert (row.read, row.unread, row.last) == (0, CAP, sent[-1])
    assert await storage.mark_read(a.id, conversation, sent[4].mid) == 0
    [row] = await storage.conversations(a.id, None, 5, CAP)
    assert (row.read, row.unread) == (sent[4].mid, 3)
    [theirs] = await storage.conversations(b.id, None, 5, CAP)
    assert (theirs.read, theirs.unread) == (0, 1)  # a's one message


async def test_a_read_marker_never_moves_back(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    conversation = Conversation.direct(a.id, b.id)
    assert await storage.mark_read(a.id, conversation, 20) == 0
    assert await storage.mark_read(a.id, conversation, 10) == 20
    assert await storage.mark_read(a.id, conversation, 30) == 20
    assert await storage.mark_read(a.id, conversation, 30) == 30
    assert await storage.mark_read(b.id, conversation, 5) == 0
    with pytest.raises(NoSuchUser):
        await storage.mark_read(999, conversation, 1)


async def test_a_message_is_found_by_its_id(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    message = one_chat(a, b.id, 1, "'; DROP TABLE messages; --")
    await storage.log_messages([to(message, b)])
    assert await storage.message_by_id(message.mid) == message
    assert await storage.message_by_id(message.mid + 1) is None


async def test_readers_are_members_who_reached_the_message_and_show_it(storage: Storage) -> None:
    a, b, c, d, e = await make_users(storage, "a", "b", "c", "d", "e")
    group = await storage.create_group("g", "", a.id)
    for user in (b, c, d):
        await storage.join_group(group.id, user.id)
    message = group_chat(a, group.id, 1)
    await storage.log_messages([to(message, b, c, d)])
    conversation = Conversation.group(group.id)
    assert await storage.readers(conversation, message.mid, a.id) == 0
    await storage.mark_read(b.id, conversation, message.mid)
    await storage.mark_read(c.id, conversation, message.mid + 5)
    await storage.mark_read(d.id, conversation, message.mid - 1)
    await storage.mark_read(a.id, conversation, message.mid)
    await storage.mark_read(e.id, conversation, message.mid)  # not a member
    assert await storage.readers(conversation, message.mid, a.id) == 2
    await storage.save_settings(c.id, Settings(receipts=False))
    assert await storage.readers(conversation, message.mid, a.id) == 1


async def test_the_newest_of_a_batch_heads_its_conversation(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    first, second = one_chat(a, b.id, 2), one_chat(b, a.id, 1)
    await storage.log_messages([to(first, b), to(second, a)])
    [row] = await storage.conversations(a.id, None, 5, CAP)
    assert row.last == first
    late: StoredMessage = one_chat(b, a.id, 0)  # an older id logged later does not win
    await storage.log_messages([to(late, a)])
    [row] = await storage.conversations(b.id, None, 5, CAP)
    assert row.last == first
