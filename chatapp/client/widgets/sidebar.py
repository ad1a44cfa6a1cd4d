"""Sidebar: the conversations (friends with presence, other people, groups) and unread counts."""

from __future__ import annotations

import contextlib

from rich.table import Table
from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..conversation import ConvKey
from ..state import Entry

MARKERS = {True: ("●", "green"), False: ("○", "bright_black"), None: ("·", "bright_black")}


class Sidebar(OptionList):
    """One option per conversation, grouped under section headings; the open one is marked."""

    DEFAULT_CSS = """
    Sidebar {
        width: 28;
        height: 1fr;
        border: none;
        border-right: vkey $panel-lighten-1;
        background: $panel;
        padding: 0;
        &:focus { border: none; border-right: vkey $accent; }
        & > .option-list--option-disabled { color: $text-muted; text-style: bold; }
    }
    """

    def show(self, entries: list[Entry], active: ConvKey | None) -> None:
        """Replaces the rows, keeping the cursor on the active conversation."""
        options: list[Option] = []
        section = ""
        for entry in entries:
            if entry.section != section:
                section = entry.section
                options.append(Option(Text(section.upper()), disabled=True))
            options.append(Option(self._prompt(entry, entry.key == active), id=str(entry.key)))
        if not entries:
            options.append(
                Option(Text("no conversations yet\n/help to start", "italic"), disabled=True)
            )
        self.set_options(options)
        if active is not None:
            with contextlib.suppress(LookupError):
                self.highlighted = self.get_option_index(str(active))

    @staticmethod
    def _prompt(entry: Entry, active: bool) -> Table:
        marker, colour = MARKERS[entry.online]
        if entry.key.kind == "group":
            marker, colour = "#", "cyan"
        grid = Table.grid(expand=True)
        grid.add_column(width=2)
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(justify="right", no_wrap=True)
        title = Text(entry.title, style="bold" if active or entry.unread else "")
        badge = Text(f" {entry.unread} ", style="bold reverse yellow") if entry.unread else Text()
        grid.add_row(Text(marker, style=colour), title, badge)
        return grid
