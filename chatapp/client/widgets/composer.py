"""Composer: the message box, a few lines high, with Up/Down recalling what was sent before
and Tab completing commands and names."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import TextArea
from textual.widgets.text_area import Location

from ..completion import complete

HISTORY_LIMIT = 200

MAX_MESSAGE_CHARS = 16_000
"""The longest message the server takes: its --max-message-chars by default, which it does
not announce. Longer text stays in the composer, unsent."""

COUNTER_FROM = 0.9
"""The share of the limit from which the composer counts the characters under its text."""

NEWLINE_KEYS = "ctrl+j,shift+enter,alt+enter"
"""Keys that start a new line. Ctrl+J (a plain LF) comes from every terminal. Shift+Enter and
Alt+Enter come only from terminals that speak the kitty keyboard protocol: elsewhere the first
is a plain CR, and Textual reads the second (ESC CR) as Enter, so both send."""


class Composer(TextArea):
    """A TextArea where Enter sends and NEWLINE_KEYS break the line; it grows with its text up
    to a few lines, then scrolls. Submitted lines are remembered for Up and Down."""

    class Submitted(Message):
        """Enter was pressed: `value` is the text to send (the composer keeps it)."""

        def __init__(self, composer: Composer, value: str) -> None:
            super().__init__()
            self.composer = composer
            self.value = value

        @property
        def control(self) -> Composer:
            return self.composer

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Previous line", show=False),
        Binding("down", "history(1)", "Next line", show=False),
        Binding(NEWLINE_KEYS, "newline", "New line", show=False),
        Binding("tab", "complete", "Complete", show=False),
    ]

    DEFAULT_CSS = """
    Composer {
        dock: bottom;
        height: auto;
        max-height: 7;  /* five lines and the border: then it scrolls */
        border: tall $panel-lighten-2;
        border-subtitle-align: right;
        &:focus { border: tall $accent; }
        &.-too-long { border: tall $error; border-subtitle-color: $error; }
    }
    """

    def __init__(
        self, *, placeholder: str = "", id: str | None = None, limit: int = MAX_MESSAGE_CHARS
    ) -> None:
        super().__init__(
            placeholder=placeholder,
            id=id,
            soft_wrap=True,
            tab_behavior="focus",
            highlight_cursor_line=False,
        )
        self.limit = limit
        self.sent: list[str] = []
        self._position = 0
        self._draft = ""
        self.names: Callable[[], list[str]] = list
        """What Tab completes a word to (the screen's friends, groups and members)."""
        self._cycle: tuple[int, list[str], int, str, Location] | None = None
        """The last completion: where it starts, its candidates, the one shown, and the text
        and cursor it left; Tab again, with both unchanged, shows the next candidate."""

    @property
    def value(self) -> str:
        """The text, as an Input calls it."""
        return self.text

    @value.setter
    def value(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)

    async def _on_key(self, event: events.Key) -> None:
        # Before TextArea's own handler, which would make Enter a newline.
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            if len(self.text) > self.limit:
                self.notify(
                    f"Not sent: {len(self.text):,} characters, and a message may have "
                    f"{self.limit:,} at most. Shorten it and press Enter again.",
                    severity="error",
                )
            else:
                self.post_message(self.Submitted(self, self.text))

    def on_text_area_changed(self) -> None:
        """Counts the characters under the text near the limit, and says when it is over."""
        count, limit = len(self.text), self.limit
        over = count > limit
        self.set_class(over, "-too-long")
        if count < limit * COUNTER_FROM:
            self.border_subtitle = None
        else:
            self.border_subtitle = f"{count:,} / {limit:,}" + (": too long to send" if over else "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # PageUp and PageDown scroll the conversation (the screen's keys), not these few lines.
        # End in an empty composer has no line to go to the end of: the screen's End (to the
        # newest message) has it.
        if action in ("cursor_page_up", "cursor_page_down") or (
            action == "cursor_line_end" and not self.text
        ):
            return False
        if action == "complete" and not self.text:
            return False  # Tab in an empty composer moves the focus on, as elsewhere
        return super().check_action(action, parameters)

    def action_newline(self) -> None:
        self.replace("\n", *self.selection, maintain_selection_offset=False)

    def action_complete(self) -> None:
        """Completes the command or name before the cursor; again, the next candidate. With
        none, the text stays as it is (and the focus too)."""
        row, column = here = self.cursor_location
        if self._cycle and self._cycle[3:] == (self.text, here):
            start, options, shown, _, _ = self._cycle
            shown = (shown + 1) % len(options)
        else:
            found = complete(self.document.get_line(row)[:column], self.names())
            if found is None:
                self._cycle = None
                return
            (start, options), shown = found, 0
        self.replace(options[shown], (row, start), here, maintain_selection_offset=False)
        self._cycle = (start, options, shown, self.text, self.cursor_location)

    def recall(self, lines: list[str]) -> None:
        """Makes `lines` (kept and added to by the caller: one conversation's) the history
        Up and Down walk, from its newest end."""
        self.sent = lines
        self._position = len(lines)
        self._draft = ""

    def remember(self, line: str) -> None:
        """Adds a submitted line to the history and resets the walk to the newest end."""
        if line and (not self.sent or self.sent[-1] != line):
            self.sent.append(line)
            del self.sent[:-HISTORY_LIMIT]
        self._position = len(self.sent)
        self._draft = ""

    def action_history(self, step: int) -> None:
        """Moves the cursor a row up or down; from the first row up or the last row down, moves
        `step` entries through the history instead; past the newest is the unsent draft."""
        navigator, here = self.navigator, self.cursor_location
        if step < 0 and not (
            navigator.is_first_document_line(here) and navigator.is_first_wrapped_line(here)
        ):
            self.action_cursor_up()
            return
        if step > 0 and not (
            navigator.is_last_document_line(here) and navigator.is_last_wrapped_line(here)
        ):
            self.action_cursor_down()
            return
        position = max(0, min(len(self.sent), self._position + step))
        if position == self._position:
            return
        if self._position == len(self.sent):
            self._draft = self.text
        self._position = position
        self.value = self.sent[position] if position < len(self.sent) else self._draft
