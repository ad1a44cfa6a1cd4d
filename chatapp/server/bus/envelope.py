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
- a session ended: ``end:`` and ``[device id, why]``
- an echo to the user's other sessions: ``echo:<device id>:`` and the event as a notice

On a user's channel each of these is sealed with the instance that published it,
``o:<instance id>:`` and the inner form, so that an instance drops its own (it served its
sessions directly). The inner form ``join`` (never a delivery) tells the instances that
hold the user that another instance attached a session of theirs too.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from chatapp.protocol import ChatMessage, Dialect, GroupMessage, decode_event

from .base import DOORBELL, Delivery, Doorbell, Echo, EndSession, TieCut

_BELL = b"bell"
_CUT = b"cut:"
_END = b"end:"
_ECHO = b"echo:"
_ORIGIN = b"o:"
JOIN = b"join"
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
    if isinstance(delivery, EndSession):
        return _END + orjson.dumps([delivery.device_id, delivery.why])
    if isinstance(delivery, Echo):
        wire = orjson.dumps(delivery.event.to_wire(Dialect.V2))
        return b"%s%d:%s" % (_ECHO, delivery.origin, wire)
    return orjson.dumps(delivery.to_wire(Dialect.V2))


def unpack(payload: bytes) -> Delivery:
    """The delivery `pack` made; ValueError (or a ProtocolError) for anything else."""
    if payload == _BELL:
        return DOORBELL
    if payload.startswith(_CUT):
        user_id, name = orjson.loads(payload[len(_CUT) :])
        return TieCut(int(user_id), str(name))
    if payload.startswith(_END):
        device_id, why = orjson.loads(payload[len(_END) :])
        return EndSession(int(device_id), str(why))
    if payload.startswith(_ECHO):
        origin, _, wire = payload[len(_ECHO) :].partition(b":")
        return Echo(decode_event(wire), int(origin))
    if payload[:1] != b"[":
        return decode_event(payload)
    kind, seq, mid, sender, name, target, text, time, ts = orjson.loads(payload)
    if kind == _ONE:
        return ChatMessage(sender, name, target, text, time, mid, ts, seq)
    if kind == _GROUP:
        return GroupMessage(sender, name, target, text, time, mid, ts, seq)
    raise ValueError(f"unknown kind of chat {kind!r}")


def seal_each(origin: str, items: Iterable[tuple[int, Delivery]]) -> list[tuple[int, bytes]]:
    """Each user with their delivery sealed by `origin`; a delivery to many packed once."""
    # Keyed by identity, each kept alive here so that its id is not reused meanwhile.
    sealed: dict[int, tuple[Delivery, bytes]] = {}
    result = []
    for uid, delivery in items:
        if id(delivery) not in sealed:
            sealed[id(delivery)] = delivery, seal(origin, pack(delivery))
        result.append((uid, sealed[id(delivery)][1]))
    return result


def seal(origin: str, payload: bytes) -> bytes:
    """`payload` (a packed delivery, or JOIN) as published by instance `origin`."""
    return b"%s%s:%s" % (_ORIGIN, origin.encode(), payload)


def unseal(sealed: bytes) -> tuple[str | None, bytes]:
    """The instance that sealed it (None for an unsealed payload) and the payload."""
    if not sealed.startswith(_ORIGIN):
        return None, sealed
    origin, sep, payload = sealed[len(_ORIGIN) :].partition(b":")
    if not sep:
        raise ValueError("an envelope sealed without a payload")
    return origin.decode(), payload


DOORBELL_PAYLOAD = _BELL
