"""The Textual messages that carry network news from workers to the UI."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from chatapp.protocol import Chat

from .conversation import ConvKey, Delivery
from .net import LinkChanged, LoggedIn, Pushed


@dataclass
class ServerEvent(Message):
    """The server pushed a chat message, a presence change or a new friend."""

    event: Pushed


@dataclass
class LinkUpdate(Message):
    """The connection changed state."""

    change: LinkChanged


@dataclass
class SessionStarted(Message):
    """A login succeeded, the user's or an automatic one after reconnecting."""

    login: LoggedIn


@dataclass
class SessionEnded(Message):
    """The automatic login was refused: the user must log in again."""

    reason: str


@dataclass
class DeliveryUpdate(Message):
    """The server acknowledged one of our messages (under `mid`), or it was not sent."""

    serial: int
    delivery: Delivery
    note: str = ""
    mid: int = 0


@dataclass
class HistoryPage(Message):
    """A page of a conversation's history came (newest first), or `error` says why not."""

    key: ConvKey
    messages: tuple[Chat, ...]
    more: bool
    error: str = ""
