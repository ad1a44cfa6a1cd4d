"""Sidebar: the conversations (friends with presence, other people, groups) and unread counts."""

from __future__ import annotations

import contextlib

from rich.text import Text
from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from ..conversation import ConvKey
from ..roster import Entry

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

    def update(self, entry: Entry, active: ConvKey | None) -> bool:
        """Redraws one row in place (its unread count or presence changed); False where
        there is no such row."""
        try:
            self.replace_option_prompt(str(entry.key), self._prompt(entry, entry.key == active))
        except OptionDoesNotExist:
            return False
        return True

    @staticmethod
    def _prompt(entry: Entry, active: bool) -> Row:
        marker, colour = MARKERS[entry.online]
        if entry.key.kind == "group":
            marker, colour = "#", "cyan"
        title = Text(entry.title, style="bold" if active or entry.unread else "")
        badge = Text(f"  {entry.unread}", style="bold reverse yellow") if entry.unread else Text()
        return Row(Text(marker, style=colour), title, badge)


class Row(Visual):
    """One row: the marker, the title cut to fit with an ellipsis, the unread badge at the
    right. One line high whatever its width, so that a list of thousands is measured
    without rendering each row (only the rows on screen are drawn)."""

    def __init__(self, marker: Text, title: Text, badge: Text) -> None:
        self.marker, self.title, self.badge = marker, title, badge

    def line(self, width: int) -> Text:
        """The row at `width` cells."""
        title = self.title.copy()
        room = max(0, width - 2 - self.badge.cell_len)
        title.truncate(room, overflow="ellipsis", pad=bool(self.badge))  # the badge at the right
        marker = self.marker.copy()
        marker.truncate(2, pad=True)
        return Text.assemble(marker, title, self.badge, no_wrap=True, end="")

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        content = Content.from_rich_text(self.line(width))
        return content.render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return container_width

    def get_height(self, rules: RulesMap, width: int) -> int:
        return 1
