"""What concurrent batches of the log gave each user, as the numbering tests read it."""

from __future__ import annotations

from collections.abc import Iterable

from chatapp.server.storage import Logged


def deliveries_given(
    results: Iterable[list[Logged]], user_ids: Iterable[int]
) -> dict[int, list[tuple[int, int]]]:
    """Each user's deliveries, (seq, mid), in the order the batches' Logged list them.
    Duplicates give none of their own: theirs must be deliveries of their first message."""
    logged_all = [logged for result in results for logged in result]
    given: dict[int, list[tuple[int, int]]] = {uid: [] for uid in user_ids}
    for logged in logged_all:
        for uid, seq in () if logged.duplicate else logged.deliveries:
            given[uid].append((seq, logged.mid))
    for logged in logged_all:
        assert all((seq, logged.mid) in given[uid] for uid, seq in logged.deliveries)
    return given
