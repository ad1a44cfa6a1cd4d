"""Notices: one pop-up per conversation for messages that arrive where the reader is not."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.text import Text
from textual.app import App
from textual.geometry import Size
from textual.notifications import Notification, Notify

from ..conversation import Conversation, ConvKey, Kind, Line

MOST = 3
"""Conversations with a notice up at once: after a long absence hundreds may have news, and
the sidebar counts them all."""
PREVIEW = 48
"""Cells of the newest message a notice shows."""

CSS = """
/* Top right, under the title and left of the delivery marks: clear of the composer. */
#textual-toastrack {
    dock: top; align: right top; margin: 1 4 0 0; max-height: 70%;
    Toast { padding: 0 1; }  /* MOST of them fit above the composer at 20 rows */
}
"""
RACK_SHARE, RACK_MARGIN, TOAST_WIDTH, TOAST_FRAME = 0.7, 4, 60, 4
"""The rack's max-height and right margin above; a toast's width (App CSS lets it take the
rack's whole width below that), and its border, padding and a column to spare."""
"""For the screen that shows notices: the id is that of the ToastRack Textual gives screens."""


def headline(conv: Conversation, line: Line) -> str:
    """Who wrote and how many are new: `bob: 3 new messages`, `team (bob): 1 new message`."""
    who = f"{conv.title} ({line.sender})" if conv.key.kind is Kind.GROUP else line.sender
    count = max(1, conv.unread)
    return f"{who}: {count} new message{'' if count == 1 else 's'}"


def preview(text: str) -> str:
    """The start of `text` on one line, cut to PREVIEW cells."""
    first = " ".join(text.split())
    return first if cell_len(first) <= PREVIEW else set_cell_size(first, PREVIEW - 1) + "…"


class Notices:
    """The notice up for each conversation; a newer message replaces it rather than stacking
    another under it, and the oldest conversation's goes when MOST are up."""

    def __init__(self) -> None:
        self._up: dict[ConvKey, Notification] = {}  # oldest first

    def announce(self, app: App[None], conv: Conversation, line: Line) -> None:
        """Raises the notice for `line`, in place of `conv`'s earlier one."""
        for key, notification in list(self._up.items()):
            if notification.has_expired:
                del self._up[key]
        if (earlier := self._up.pop(conv.key, None)) is not None:
            self._drop(app, earlier)
        while len(self._up) >= MOST:
            self._drop(app, self._up.pop(next(iter(self._up))))
        title = headline(conv, line)
        notification = Notification(preview(line.text), title, markup=False)
        notification.timeout = app.NOTIFICATION_TIMEOUT
        self._up[conv.key] = notification
        app.post_message(Notify(notification))

    def forget(self, app: App[None], key: ConvKey) -> None:
        """Takes down `key`'s notice: the reader opened that conversation."""
        if (notification := self._up.pop(key, None)) is not None:
            self._drop(app, notification)

    @staticmethod
    def _drop(app: App[None], notification: Notification) -> None:
        # After the app's queue: its Notify may still be in it, not yet shown.
        app.call_later(_unnotify, app, notification)


def overflow(shown: list[Notification], new: Notification, screen: Size) -> list[Notification]:
    """The oldest of `shown` to take down so that they and `new` fit the rack: a rack taller
    than its room scrolls, and the newest notice is the one it hides."""
    width = max(10, min(TOAST_WIDTH, screen.width - RACK_MARGIN) - TOAST_FRAME)
    console = Console(width=width, legacy_windows=False)

    def rows(notification: Notification) -> int:  # its text wrapped, its title, margin-top
        wrapped = Text(notification.message).wrap(console, width)
        return len(wrapped) + bool(notification.title) + 1

    room, kept = int(screen.height * RACK_SHARE) - rows(new), 0
    for notification in reversed(shown):
        room -= rows(notification)
        if room < 0:
            break
        kept += 1
    return shown[: len(shown) - kept]


def _unnotify(app: App[None], notification: Notification) -> None:
    if notification in app._notifications:  # not expired, nor clicked away
        app._unnotify(notification)
