"""The envelope: how a delivery crosses between instances, in a form of the bus's own.

A chat, the bulk of the traffic, travels as a positional JSON array, which the receiving
instance turns back into its event without the protocol's validation (only instances
publish on the bus): the recipient's session then encodes it once, in its dialect.
Notices are rare and many-shaped, so they travel in the current protocol's wire form.
The doorbell is a word.

- a chat: ``[kind, seq, mid, sender id, sender name, target, text, time, ts]``, where
  kind is 1 for one-to-one (target: the recipient) and 2 for a group (target: the group)
- a notice: a JSON object, the event in the current protocol
- the doorbell: ``bell``
- a friendship cut by a block: ``cut:`` and ``[user id, name]``
"""

from __future__ import annotations

import orjson

from chatapp.protocol import ChatMessage, Dialect, GroupMessage, decode_event

from .base import DOORBELL, Delivery, Doorbell, TieCut

_BELL = b"bell"
_CUT = b"cut:"
_ONE, _GROUP = 1, 2


def pack(delivery: Delivery) -> bytes:
    """The bytes that carry `delivery` to another instance."""
    if isinstance(delivery, ChatMessage | GroupMessage):
        kind, target = (
            (_ONE, delivery.toid)
            if isinstance(delivery, ChatMessage)
            else (_GROUP, delivery.groupid)
        )
        d = delivery
        return orjson.dumps([kind, d.seq, d.mid, d.id, d.name, target, d.msg, d.time, d.ts])
    if isinstance(delivery, Doorbell):
        return _BELL
    if isinstance(delivery, TieCut):
        return _CUT + orjson.dumps([delivery.user_id, delivery.name])
    return orjson.dumps(delivery.to_wire(Dialect.V2))


def unpack(payload: bytes) -> Delivery:
    """The delivery `pack` made; ValueError (or a ProtocolError) for anything else."""
    if payload == _BELL:
        return DOORBELL
    if payload.startswith(_CUT):
        user_id, name = orjson.loads(payload[len(_CUT) :])
        return TieCut(int(user_id), str(name))
    if payload[:1] != b"[":
        return decode_event(payload)
    kind, seq, mid, sender, name, target, text, time, ts = orjson.loads(payload)
    if kind == _ONE:
        return ChatMessage(sender, name, target, text, time, mid, ts, seq)
    if kind == _GROUP:
        return GroupMessage(sender, name, target, text, time, mid, ts, seq)
    raise ValueError(f"unknown kind of chat {kind!r}")
