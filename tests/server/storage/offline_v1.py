"""Messages waiting in a version-1 database, for the migration tests of both backends."""

from __future__ import annotations

from chatapp.server.storage import Kind, StoredMessage

OFFLINE_INSERT = (
    "INSERT INTO offline_messages"
    " (user_id, kind, sender_id, sender_name, target_id, body, sent_time, mid, ts)"
    " VALUES ({0}, {0}, {0}, {0}, {0}, {0}, {0}, {0}, {0})"
)
"""The insert of a waiting message; format it with the driver's placeholder."""


def waiting(a: int, b: int, c: int) -> list[tuple[int, StoredMessage]]:
    """(recipient, message) of users a, b, c, in the order they were stored; one group
    message waits for two of them."""
    t = "2024-05-01 12:00:00"
    direct, group = Kind.DIRECT, Kind.GROUP
    first = StoredMessage(1 << 40, direct, a, "a", b, "first 😀 'quoted'", t, 1_714_564_800_001)
    team = StoredMessage((1 << 40) + 1, group, a, "a", 7, "to the group", t, 1_714_564_800_002)
    third = StoredMessage((1 << 40) + 2, direct, c, "c", b, "  padded\\n  ", t, 1_714_564_800_003)
    fourth = StoredMessage((1 << 40) + 3, direct, b, "b", c, "to c", t, 1_714_564_800_004)
    return [(b, first), (c, team), (b, team), (b, third), (c, fourth)]


def offline_row(user_id: int, message: StoredMessage) -> tuple[object, ...]:
    """The values of OFFLINE_INSERT for a message waiting for `user_id`."""
    fields = (message.sender_id, message.sender_name, message.target, message.text)
    return (user_id, int(message.kind), *fields, message.time, message.mid, message.ts)


def expected_pending(
    rows: list[tuple[int, StoredMessage]], user_id: int
) -> list[tuple[int, StoredMessage]]:
    """The deliveries of the messages that waited for the user, numbered 1, 2, ... in the
    order stored."""
    return list(enumerate([message for uid, message in rows if uid == user_id], 1))
