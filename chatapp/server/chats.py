"""Chats between the wire and the log: the StoredMessage of a request, the event of a stored one."""

from __future__ import annotations

from collections.abc import Iterable

from chatapp.protocol import Chat, ChatMessage, GroupMessage

from .storage import Kind, StoredMessage, User

_GROUP = Kind.GROUP  # a global read is a third of an enum attribute's, once per recipient


def new_chat(
    kind: Kind, sender: User, target: int, text: str, stamp: tuple[str, int, int]
) -> StoredMessage:
    """A chat from `sender` to `target` (a user, or a group), with the server's stamp:
    its time, id and epoch ms."""
    time, mid, ts = stamp
    return StoredMessage(mid, kind, sender.id, sender.name, target, text, time, ts)


def chat_event(message: StoredMessage, seq: int = 0) -> Chat:
    """The event that carries a message to a client; `seq` is the recipient's number for
    it, 0 where there is none (history). One object per recipient: this is the hot path."""
    event = GroupMessage if message.kind is _GROUP else ChatMessage
    return event(
        message.sender_id, message.sender_name, message.target, message.text,
        message.time, message.mid, message.ts, seq,
    )  # fmt: skip


def chat_events(deliveries: Iterable[tuple[int, StoredMessage]]) -> list[Chat]:
    """The events of deliveries given as (seq, message), in their order."""
    return [chat_event(message, seq) for seq, message in deliveries]
