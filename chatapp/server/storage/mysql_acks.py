"""The per-device acknowledgements of the log's batches in MySQLStorage.

They ride in the batch's transaction, after its counters (the order of locks is
mysql_devices's): the devices' positions and a plain read of each acknowledging user's
floor go in the batch's round trip (mysql_round.Round); the users' cursors rise to their
floors in one statement after it.
"""

from __future__ import annotations

from collections.abc import Sequence

from .device_rows import DeviceAck
from .mysql_round import Cursor, Round, Rows

_BY_KEY = "FORCE INDEX (PRIMARY)"


def add_acks(rnd: Round, acks: Sequence[DeviceAck], seen_ms: int, stale_ms: int) -> int:
    """Adds the devices' positions (each moved up to its highest ack, marked seen at
    `seen_ms`) and the read of the users' floors (the lowest position among their devices
    seen at or after `stale_ms`); returns the index of that read in the round's results."""
    highest: dict[int, tuple[int, int]] = {}
    for ack in acks:
        _, seq = highest.get(ack.device_id, (ack.user_id, ack.seq))
        highest[ack.device_id] = (ack.user_id, max(seq, ack.seq))
    ids = sorted(highest)
    cases = " ".join(["WHEN %s THEN %s"] * len(ids))
    rnd.add(
        f"UPDATE devices {_BY_KEY} SET acked_seq = GREATEST(acked_seq, CASE id {cases} END),"
        f" seen_ms = GREATEST(seen_ms, %s) WHERE id IN ({', '.join(['%s'] * len(ids))})"
        f" AND user_id = CASE id {cases} END",
        [
            *(v for did in ids for v in (did, highest[did][1])),
            seen_ms,
            *ids,
            *(v for did in ids for v in (did, highest[did][0])),
        ],
    )
    users = sorted({uid for uid, _ in highest.values()})
    # A plain read: sees this transaction's positions and what others committed, locking
    # nothing (a device opened meanwhile starts at or above these positions).
    return rnd.add(
        f"SELECT user_id, MIN(acked_seq) FROM devices WHERE user_id IN"
        f" ({', '.join(['%s'] * len(users))}) AND seen_ms >= %s GROUP BY user_id",
        [*users, stale_ms],
    )


async def raise_cursors(cur: Cursor, floor_rows: Rows) -> dict[int, int]:
    """Raises the users' cursors to the floors add_acks read (never back), in one
    statement; returns the floors, under which the log forgets (mysql_forget.py)."""
    floors = {int(uid): int(seq) for uid, seq in floor_rows}
    if floors:
        moved = sorted(floors)
        await cur.execute(
            f"UPDATE delivery_cursors {_BY_KEY} SET acked_seq = GREATEST(acked_seq,"
            f" CASE user_id {' '.join(['WHEN %s THEN %s'] * len(moved))} END)"
            f" WHERE user_id IN ({', '.join(['%s'] * len(moved))})",
            [*(v for uid in moved for v in (uid, floors[uid])), *moved],
        )
    return floors
