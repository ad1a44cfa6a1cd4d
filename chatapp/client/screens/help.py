"""HelpScreen: every key and slash command, from the same table the parser uses."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..commands import COMMANDS
from ..widgets.composer import MAX_MESSAGE_CHARS

KEYS = (
    ("Enter", "send the message, or run the /command"),
    ("Ctrl+J", "new line; Shift+Enter and Alt+Enter too, in terminals that tell them from Enter"),
    ("Up / Down", "move between lines; from the first or last, recall what was sent here"),
    ("Tab", "complete a /command, or a name or id; again for the next"),
    ("Ctrl+N / Alt+Down", "next conversation"),
    ("Ctrl+P / Alt+Up", "previous conversation"),
    ("Alt+A", "next conversation with unread messages"),
    ("Alt+U", "first unread message, under ── new messages ──; ✓✓ on yours: read"),
    ("F2 / Ctrl+B", "show or hide the conversations (hidden on narrow screens)"),
    ("F4", "show or hide the open group's members and roles; Enter on one: chat with them"),
    ("Tab / Shift+Tab", "move between sidebar, messages and composer (Tab: if it is empty)"),
    ("PageUp / PageDown", "scroll; PageUp at the top loads more"),
    ("Ctrl+Home", "oldest message shown, then older ones"),
    ("Ctrl+End", "newest message (End too, in an empty composer); ▼ counts new messages below"),
    ("Ctrl+F", "search this conversation: puts /search in the composer"),
    ("F3 / Shift+F3", "next (newer) / previous (older) search match"),
    ("Escape", "back to the composer; ends a search"),
    ("F1", "this help"),
    ("Ctrl+Q", "quit"),
)


def help_table() -> Table:
    """Keys, then commands, as one two-column table."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    table.add_row(Text("Keys", style="bold underline"), "")
    for key, what in KEYS:
        table.add_row(Text(key), Text(what))
    table.add_row("", "")
    table.add_row(Text("Commands", style="bold underline"), "")
    for spec in COMMANDS.values():
        table.add_row(Text(spec.usage), Text(spec.summary))
    table.add_row("//text", "send text that starts with a slash")
    table.add_row("", "")
    table.add_row("Mouse", "click a conversation to open it; scroll the messages")
    table.add_row("Typing", "others see you type a message; who types here shows above it")
    table.add_row("Devices", "your messages sent elsewhere say so; new logins are told")
    limit = f"{MAX_MESSAGE_CHARS:,} characters a message; the composer counts near that"
    table.add_row("Limit", limit)
    return table


class HelpScreen(ModalScreen[None]):
    """A dismissable panel over the current screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close"),
    ]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        #panel {
            width: 76;
            max-width: 100%;
            max-height: 90%;
            height: auto;
            border: round $accent;
            border-title-align: center;
            border-subtitle-align: center;
            background: $surface;
            padding: 1 2;
        }
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="panel") as panel:
            panel.border_title = "Help"
            panel.border_subtitle = "Esc to close"
            yield Static(help_table())
