"""What a Connection reports besides server events (its state, each login made or needed),
and the Feed that carries it all to the caller in order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum

from chatapp.protocol import (
    ChatMessage,
    DeviceEvent,
    FriendAdded,
    FriendEvent,
    GroupEvent,
    GroupMessage,
    LoginAck,
    NewMessageRequest,
    Presence,
    Receipt,
    TypingNotice,
)


class LinkState(StrEnum):
    """Where the connection stands, as the status line shows it."""

    OFFLINE = "offline"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    ONLINE = "online"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class LinkChanged:
    """The connection changed state; `retry_in` is the wait before the next attempt."""

    state: LinkState
    reason: str = ""
    retry_in: float | None = None
    attempt: int = 0

    @property
    def level(self) -> int:
        """How loud the log says it: a state with a reason (an outage, a refusal) warns."""
        quiet = not self.reason or self.state in (LinkState.ONLINE, LinkState.CLOSED)
        return logging.INFO if quiet else logging.WARNING

    def __str__(self) -> str:
        text = str(self.state)
        if self.attempt:
            text += f", attempt {self.attempt}"
        if self.retry_in is not None:
            text += f" in {self.retry_in:.1f} s"
        return f"{text} ({self.reason})" if self.reason else text


@dataclass(frozen=True, slots=True)
class LoggedIn:
    """A login succeeded: the user's first one (`again` false) or one after reconnecting."""

    ack: LoginAck
    again: bool


@dataclass(frozen=True, slots=True)
class LoginNeeded:
    """The automatic login was refused (its token spent, revoked or expired): only the user,
    with the password, can log in again."""

    reason: str


Pushed = ChatMessage | GroupMessage | Presence | FriendAdded | FriendEvent | GroupEvent
# What the server pushes besides chats that goes to the caller as it comes.
NOTICES = (
    *(Presence, FriendAdded, FriendEvent, GroupEvent, Receipt, TypingNotice, DeviceEvent),
    NewMessageRequest,
)
# News of others typing, of the user's other devices, or of a stranger's message held.
Heard = TypingNotice | DeviceEvent | NewMessageRequest
Incoming = Pushed | Receipt | Heard | LinkChanged | LoggedIn | LoginNeeded


class Feed:
    """The queue between a Connection and its caller; it ends with the report of CLOSED."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[Incoming] = asyncio.Queue()

    def put(self, item: Incoming) -> None:
        self._queue.put_nowait(item)

    async def items(self) -> AsyncIterator[Incoming]:
        """Every item in order, the last being the change to CLOSED."""
        while True:
            item = await self._queue.get()
            yield item
            if isinstance(item, LinkChanged) and item.state is LinkState.CLOSED:
                return
