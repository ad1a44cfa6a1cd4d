"""Composer: the input line, with Up/Down recalling what was sent before."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input

HISTORY_LIMIT = 200


class Composer(Input):
    """An Input that remembers submitted lines; Up and Down walk through them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Previous line", show=False),
        Binding("down", "history(1)", "Next line", show=False),
    ]

    DEFAULT_CSS = """
    Composer {
        dock: bottom;
        border: tall $panel-lighten-2;
        &:focus { border: tall $accent; }
    }
    """

    def __init__(self, *, placeholder: str = "", id: str | None = None) -> None:
        super().__init__(placeholder=placeholder, id=id)
        self.history: list[str] = []
        self._position = 0
        self._draft = ""

    def remember(self, line: str) -> None:
        """Adds a submitted line to the history and resets the walk to the newest end."""
        if line and (not self.history or self.history[-1] != line):
            self.history.append(line)
            del self.history[:-HISTORY_LIMIT]
        self._position = len(self.history)
        self._draft = ""

    def action_history(self, step: int) -> None:
        """Moves `step` entries through the history; past the newest is the unsent draft."""
        position = max(0, min(len(self.history), self._position + step))
        if position == self._position:
            return
        if self._position == len(self.history):
            self._draft = self.value
        self._position = position
        self.value = self.history[position] if position < len(self.history) else self._draft
        self.cursor_position = len(self.value)
