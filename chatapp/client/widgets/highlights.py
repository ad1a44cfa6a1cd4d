"""Highlights: search matches and mentions painted on a message's text, in place (widths stay)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.style import Style
from rich.text import Text

from ..conversation import Line

Mark = tuple[int, int, str]
"""[start, end) characters of a message's text and the message-log component that paints
them: `match`, `current` (the match the view is on) or `mention`."""
Marker = Callable[[Line], Sequence[Mark]]
"""What the screen says is marked in a line."""

COMPONENTS = ("match", "current", "mention", "mentioned")
CSS = """
MessageLog {
    & > .message-log--match { color: $warning; text-style: reverse; }
    & > .message-log--current { color: $error; text-style: bold reverse; }
    & > .message-log--mention { color: $accent; text-style: bold reverse; }
    & > .message-log--mentioned { color: $accent; text-style: bold; }
}
"""
"""For the message log's DEFAULT_CSS: reverse rather than a background, since the log's rows
keep its own background (Rows' styles are laid on it)."""


def paint(body: Text, marks: Sequence[Mark], style: Callable[[str], Style]) -> None:
    """Styles the marked spans of `body` (the message's text and maybe a note after it);
    a search match drawn over a mention wins, being what the reader looks for."""
    for start, end, name in sorted(marks, key=lambda mark: mark[2] != "mention"):
        body.stylize(style(name), start, end)


def rule(marks: Sequence[Mark], style: Callable[[str], Style]) -> tuple[str, Style]:
    """The rule between sender and text: heavy and coloured on a row that mentions the user."""
    if any(name == "mention" for _, _, name in marks):
        return " ┃ ", style("mentioned")
    return " │ ", style("rule")
