"""TypingLine: one line above the composer saying who is typing in the open conversation."""

from __future__ import annotations

from textual.widgets import Static

from chatapp.protocol import TypingNotice

from ..conversation import ConvKey
from ..typists import LASTS, Typists


class TypingLine(Static):
    """Hidden while nobody types in the shown conversation; notices expire by themselves."""

    DEFAULT_CSS = """
    TypingLine {
        height: 1;
        padding: 0 1;
        color: $text-muted;
        text-style: italic;
        display: none;
        &.-shown { display: block; }
    }
    """

    def __init__(self, typists: Typists | None = None, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)  # names are other people's
        self.typists = typists or Typists()
        self.key: ConvKey | None = None

    def show(self, key: ConvKey | None) -> None:
        """Shows who types in `key` (the conversation now open)."""
        self.key = key
        text = self.typists.line(key)
        self.update(text)
        self.set_class(bool(text), "-shown")

    def heard(self, notice: TypingNotice, me: int) -> None:
        """Files somebody's notice (never our own) and redraws; once it has run out, again."""
        key = self.typists.heard(notice, me)
        if key is not None:
            self.set_timer(LASTS + 0.05, lambda: self.show(self.key))
            if key == self.key:
                self.show(key)

    def stopped(self, key: ConvKey, user_id: int) -> None:
        """A message from `user_id` came in `key`: they typed it, and stopped."""
        if self.typists.stopped(key, user_id) and key == self.key:
            self.show(key)
