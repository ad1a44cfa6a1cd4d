"""The client's Textual messages: what the screens ask of the app, and network news from its
workers. Screens and the app both import this module, so neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from chatapp.protocol import Chat, DeviceEvent, NewMessageRequest, Receipt, TypingNotice

from .commands import Command
from .conversation import ConvKey, Delivery
from .net import Heard, Incoming, LinkChanged, LoggedIn, LoginNeeded, Pushed

# --- Up from the screens --------------------------------------------------------------------


@dataclass
class SignIn(Message):
    """The login form was sent: connect, register first if asked, and log in."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    register: bool


@dataclass
class OpenConversation(Message):
    """Make this the open conversation; its latest history loads the first time."""

    key: ConvKey


@dataclass
class SendText(Message):
    """Send a line of text to a conversation."""

    key: ConvKey
    text: str


@dataclass
class LoadHistory(Message):
    """The reader wants the messages before the oldest one shown."""

    key: ConvKey


@dataclass
class RunCommand(Message):
    """A slash command for the app: /add, /create, /join, /theme, /logout, /quit or /help."""

    command: Command


@dataclass
class Typed(Message):
    """The user is typing a message (not a command) in conversation `key`; or `stopped`:
    the composer was sent or emptied."""

    key: ConvKey
    stopped: bool = False


@dataclass
class SawNewest(Message):
    """The user sees the newest messages of this conversation: its read marker may move."""

    key: ConvKey


# --- From the app's workers -----------------------------------------------------------------


@dataclass
class ServerEvent(Message):
    """The server pushed a chat message, a presence change or a new friend."""

    event: Pushed


@dataclass
class HeardNews(Message):
    """Somebody is typing, one of the user's devices logged in or was ended, or a
    stranger's message was held as a message request."""

    event: Heard


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


@dataclass
class ReceiptCame(Message):
    """The server says a conversation was read: by the user elsewhere, or by the peer."""

    receipt: Receipt


def news(item: Incoming) -> Message:
    """The message that carries one item of a Connection's events to the app."""
    if isinstance(item, Receipt):
        return ReceiptCame(item)
    if isinstance(item, LinkChanged):
        return LinkUpdate(item)
    if isinstance(item, LoggedIn):
        return SessionStarted(item)
    if isinstance(item, LoginNeeded):
        return SessionEnded(item.reason)
    if isinstance(item, TypingNotice | DeviceEvent | NewMessageRequest):
        return HeardNews(item)
    return ServerEvent(item)
