"""The row types: conversations, and what the log stores for a kind."""

from __future__ import annotations

from chatapp.server.storage import Conversation, Kind, StoredMessage


def test_the_kinds_are_the_numbers_in_the_log() -> None:
    # Databases written before storage had types of its own hold the legacy msgids.
    assert (int(Kind.DIRECT), int(Kind.GROUP)) == (6, 10)


def test_a_direct_conversation_is_the_same_whoever_writes() -> None:
    assert Conversation.direct(9, 4) == Conversation.direct(4, 9) == Conversation(Kind.DIRECT, 4, 9)
    assert Conversation.direct(5, 5) == Conversation(Kind.DIRECT, 5, 5)


def test_a_group_conversation_is_the_group() -> None:
    assert Conversation.group(7) == Conversation(Kind.GROUP, 7, 0)
    assert Conversation.group(7) != Conversation.direct(0, 7)


def test_a_message_knows_its_conversation() -> None:
    sent = StoredMessage(1, Kind.DIRECT, 9, "nine", 4, "hi", "2024-05-01 12:00:00", 0)
    answer = StoredMessage(2, Kind.DIRECT, 4, "four", 9, "hello", "2024-05-01 12:00:01", 0)
    to_group = StoredMessage(3, Kind.GROUP, 9, "nine", 4, "all", "2024-05-01 12:00:02", 0)
    assert sent.conversation == answer.conversation == Conversation.direct(4, 9)
    assert to_group.conversation == Conversation.group(4)
