"""Read markers: the server's list of conversations filed (unread counts, read markers, last
activity), RECEIPT filed, and READ sent as the user sees the newest messages. No Textual."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING

from chatapp.protocol import ConversationInfo, Read, Receipt

from .conversation import Conversation, ConvKey, Kind
from .net import ClientError

if TYPE_CHECKING:
    from .session import Session
    from .state import ChatState

READ_INTERVAL = 1.0
"""Seconds between two READs of one conversation: a busy group read as it comes costs one
request a second, not one a message (the server counts every request against its rate)."""


def file_conversations(state: ChatState, page: Iterable[ConversationInfo]) -> None:
    """Files a page of CONVERSATIONS: each one's read marker, newest message and unread
    count as the server counts them (other devices' reading included), and the names of
    people who are no friends. The open conversation's count stays 0: it is being read."""
    for info in page:
        if info.peer is not None:
            key = ConvKey(Kind.USER, info.peer.id)
            conv = state.named(key, info.peer.name)
        elif info.group is not None:
            key = ConvKey(Kind.GROUP, info.group.id)
            conv = state.conversation(key, info.group.name)
        else:
            continue
        conv.marked(info.read)
        conv.last = max(conv.last, info.last.mid)
        if key != state.active:
            conv.unread = info.unread


def file_receipt(state: ChatState, receipt: Receipt) -> Conversation | None:
    """Files a RECEIPT: another device of ours read a conversation (`own`), or the peer
    of a one-to-one conversation read our messages, or members of a group one of ours (as
    Telegram does, a group's line is read once one member has read it). The conversation
    it changed, if any."""
    if receipt.own:
        kind, ident = (Kind.USER, receipt.peer) if receipt.peer else (Kind.GROUP, receipt.groupid)
        conv = state.conversations.get(ConvKey(kind, ident or 0))
        if conv is not None:
            conv.read_elsewhere(receipt.mid)
            conv.unread = 0 if conv.key == state.active else conv.unread  # shown here
        return conv
    if receipt.peer is not None:
        conv = state.conversations.get(ConvKey(Kind.USER, receipt.peer))
    else:
        conv = state.conversations.get(ConvKey(Kind.GROUP, receipt.groupid or 0))
        conv = conv if receipt.count else None
    if conv is not None:
        conv.peer_saw(receipt.mid)
    return conv


class Reader:
    """Sends READ for what the user has seen: once per conversation and newest message at
    most, one at a time, and no more often than READ_INTERVAL."""

    def __init__(self, interval: float = READ_INTERVAL) -> None:
        self.interval = interval
        self._seen: dict[ConvKey, int] = {}
        self._busy: set[ConvKey] = set()

    async def saw(self, session: Session, key: ConvKey) -> None:
        """The user sees the newest messages of `key`: moves the read marker to the newest
        of others' (READ), unless it is there or a READ of this conversation is under way
        (that one sends this after it)."""
        conv = session.state.conversations.get(key)
        if conv is None:
            return
        self._seen[key] = max(self._seen.get(key, 0), conv.newest_theirs())
        if key in self._busy:
            return
        self._busy.add(key)
        try:
            while (mid := self._seen.get(key, 0)) > (conv.read or 0):
                ask = Read(mid, peer=key.id) if key.kind is Kind.USER else Read(mid, groupid=key.id)
                ack = await session.link().request(ask)
                conv.marked(ack.mid or mid)
                await asyncio.sleep(self.interval)
        except ClientError:
            pass  # not read on the server: the next time the user sees it, READ goes again
        finally:
            self._busy.discard(key)
