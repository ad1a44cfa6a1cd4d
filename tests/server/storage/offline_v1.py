"""Messages waiting in a version-1 database, for the migration tests of both backends."""

from __future__ import annotations

from dataclasses import replace

from chatapp.protocol import Chat, ChatMessage, GroupMessage, MsgId

OFFLINE_INSERT = (
    "INSERT INTO offline_messages"
    " (user_id, kind, sender_id, sender_name, target_id, body, sent_time, mid, ts)"
    " VALUES ({0}, {0}, {0}, {0}, {0}, {0}, {0}, {0}, {0})"
)
"""The insert of a waiting message; format it with the driver's placeholder."""


def waiting(a: int, b: int, c: int) -> list[tuple[int, Chat]]:
    """(recipient, message) of users a, b, c, in the order they were stored; one group
    message waits for two of them."""
    t = "2024-05-01 12:00:00"
    first = ChatMessage(a, "a", b, "first 😀 'quoted'", t, 1 << 40, 1_714_564_800_001)
    group = GroupMessage(a, "a", 7, "to the group", t, (1 << 40) + 1, 1_714_564_800_002)
    third = ChatMessage(c, "c", b, "  padded\\n  ", t, (1 << 40) + 2, 1_714_564_800_003)
    fourth = ChatMessage(b, "b", c, "to c", t, (1 << 40) + 3, 1_714_564_800_004)
    return [(b, first), (c, group), (b, group), (b, third), (c, fourth)]


def offline_row(user_id: int, message: Chat) -> tuple[object, ...]:
    """The values of OFFLINE_INSERT for a message waiting for `user_id`."""
    if isinstance(message, GroupMessage):
        kind, target = MsgId.GROUP_CHAT, message.groupid
    else:
        kind, target = MsgId.ONE_CHAT, message.toid
    fields = (message.id, message.name, target, message.msg, message.time, message.mid)
    return (user_id, int(kind), *fields, message.ts)


def expected_pending(rows: list[tuple[int, Chat]], user_id: int) -> list[Chat]:
    """The messages that waited for the user, numbered 1, 2, ... in the order stored."""
    mine = [message for uid, message in rows if uid == user_id]
    return [replace(message, seq=n) for n, message in enumerate(mine, 1)]
