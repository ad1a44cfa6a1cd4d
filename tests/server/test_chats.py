"""Chats between the log and the wire: the events are those the server always sent."""

from __future__ import annotations

from chatapp.protocol import ChatMessage, GroupMessage
from chatapp.server.chats import chat_event, chat_events, new_chat
from chatapp.server.storage import Kind, StoredMessage, User

ALICE = User(3, "alice", "hash")
STAMP = ("2024-05-01 12:00:00", (1 << 40) + 1, 1_714_564_800_001)


def test_a_direct_chat_is_a_chat_message() -> None:
    stored = new_chat(Kind.DIRECT, ALICE, 8, "hi", STAMP)
    assert stored == StoredMessage(STAMP[1], Kind.DIRECT, 3, "alice", 8, "hi", STAMP[0], STAMP[2])
    assert chat_event(stored) == ChatMessage(3, "alice", 8, "hi", STAMP[0], STAMP[1], STAMP[2])
    assert chat_event(stored, 5) == ChatMessage(3, "alice", 8, "hi", *STAMP, seq=5)


def test_a_group_chat_is_a_group_message() -> None:
    stored = new_chat(Kind.GROUP, ALICE, 7, "all", STAMP)
    assert chat_event(stored, 2) == GroupMessage(3, "alice", 7, "all", *STAMP, seq=2)


def test_deliveries_become_numbered_events_in_order() -> None:
    first = new_chat(Kind.DIRECT, ALICE, 8, "one", STAMP)
    second = new_chat(Kind.GROUP, ALICE, 7, "two", STAMP)
    assert chat_events([(4, first), (5, second)]) == [chat_event(first, 4), chat_event(second, 5)]
