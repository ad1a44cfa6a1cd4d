"""The message log's rows as both backends write and read them, and the numbering of a batch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .rows import Conversation, Kind, Logged, NewMessage, StoredMessage

MESSAGE_COLUMNS = "id, kind, sender_id, sender_name, target_id, body, sent_time, ts"
"""The columns of `messages` that `stored_message` reads, in its order."""

_KINDS = {int(kind): kind for kind in Kind}  # a tenth of what Kind(value) costs, every row
_GROUP = Kind.GROUP

_INSERT_COLUMNS = (
    "id, kind, sender_id, sender_name, target_id, chan_lo, chan_hi, body, sent_time, ts, cid"
)


def insert_message(mark: str) -> str:
    """The INSERT of a row of `message_row`, with the driver's parameter mark."""
    marks = ", ".join([mark] * len(_INSERT_COLUMNS.split(",")))
    return f"INSERT INTO messages ({_INSERT_COLUMNS}) VALUES ({marks})"


def message_row(message: StoredMessage, cid: str | None) -> tuple[object, ...]:
    """The values of a `messages` row: id, kind, sender id and name, target, the
    conversation's low and high, text, time, ts, cid."""
    # As StoredMessage.conversation, inline: this runs for every message logged.
    if message.kind is _GROUP:
        low, high = message.target, 0
    else:
        low, high = sorted((message.sender_id, message.target))
    return (
        message.mid, int(message.kind), message.sender_id, message.sender_name, message.target,
        low, high, message.text, message.time, message.ts, cid,
    )  # fmt: skip


def stored_message(row: Sequence[Any]) -> StoredMessage:
    """The message of a row of MESSAGE_COLUMNS."""
    mid, kind, sender_id, sender_name, target, text, time, ts = row
    return StoredMessage(mid, _KINDS[kind], sender_id, sender_name, target, text, time, ts)


def conversation_key(conversation: Conversation) -> tuple[int, int, int]:
    """The values of the columns (kind, chan_lo, chan_hi) that name a conversation."""
    return (int(conversation.kind), conversation.low, conversation.high)


@dataclass(frozen=True, slots=True)
class NumberedBatch:
    """What a batch of the log makes: a Logged per message, the rows of `messages` and
    `deliveries` to insert, and each recipient's new last_seq."""

    logged: list[Logged]
    messages: list[tuple[object, ...]]
    deliveries: list[tuple[int, int, int]]
    last: dict[int, int]


Firsts = Mapping[tuple[int, str], tuple[StoredMessage, Mapping[int, int]]]
"""The message logged before under each (sender, cid), and its deliveries still in the log
(user id: seq)."""


def number_batch(
    batch: Sequence[NewMessage], last_seqs: Mapping[int, int], logged_before: Firsts
) -> NumberedBatch:
    """Numbers a batch for both backends' logs, given each recipient's last_seq and the
    first message of every (sender, cid) of the batch logged before: those, and a cid
    repeated within the batch, become duplicates of the first, with its deliveries to
    their recipients."""
    last = dict(last_seqs)
    firsts = dict(logged_before)
    logged: list[Logged] = []
    messages: list[tuple[object, ...]] = []
    deliveries: list[tuple[int, int, int]] = []
    for new in batch:
        key = (new.message.sender_id, new.cid) if new.cid is not None else None
        if key is not None and key in firsts:
            first, seqs = firsts[key]
            again = tuple((uid, seqs[uid]) for uid in new.recipients if uid in seqs)
            logged.append(Logged(first.mid, again, first))
            continue
        messages.append(message_row(new.message, new.cid))
        numbered = []
        for uid in new.recipients:
            seq = last[uid] = last[uid] + 1
            numbered.append((uid, seq))
            deliveries.append((uid, seq, new.message.mid))
        logged.append(Logged(new.message.mid, tuple(numbered)))
        if key is not None:
            firsts[key] = (new.message, dict(numbered))
    return NumberedBatch(logged, messages, deliveries, last)
