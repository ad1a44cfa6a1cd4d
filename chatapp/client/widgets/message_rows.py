"""Message rows: how one message, day separator or banner is laid out as rows of a width."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from ..conversation import Delivery, Line
from .highlights import Mark, Marker, paint, rule

NAME_WIDTH = 12
PREFIX_WIDTH = 5 + 1 + NAME_WIDTH + 3  # "HH:MM", a space, the name and " │ "
SEEN = "✓✓"
"""The mark of one of ours the peer has read, in the two cells of the delivery mark."""
MARKS = {Delivery.PENDING: "◷", Delivery.SENT: "✓", Delivery.FAILED: "✗", Delivery.RECEIVED: " "}
# Stable per-sender colours, so a name is recognisable at a glance (as in irssi or weechat).
# Orange and yellow are left out: they are close to the accent that marks our own name.
NAME_COLOURS = ("#e06c75", "#98c379", "#61afef", "#c678dd", "#56b6c2")


@dataclass(frozen=True, slots=True)
class Banner:
    """The row above the oldest message: older ones can be loaded, are loading, or are none."""

    text: str


@dataclass(frozen=True, slots=True)
class Divider:
    """The row above the first message that was unread when the conversation was opened."""

    text: str = "new messages"


Item = Line | date | Banner | Divider


class Rows:
    """Measures and renders items laid out for `width`; `style` names a component of the
    message log (`time`, `own`, `rule`...) and returns its style on the log's background."""

    def __init__(
        self,
        console: Console,
        style: Callable[[str], Style],
        width: int,
        marker: Marker | None = None,
    ) -> None:
        self.console = console
        self.style = style
        self.width = width
        self.marker = marker  # search matches and mentions (highlights.py)

    @property
    def body_width(self) -> int:
        """The width left for the text of a message beside its time and sender."""
        return max(8, self.width - PREFIX_WIDTH - 2)

    def measure(self, item: Item) -> int:
        """How many rows `item` takes."""
        if isinstance(item, date | Banner | Divider):
            return 1
        text = item.text
        # The common case (a short single line of plain text) needs no wrapping at all.
        short = len(text) <= self.body_width  # with isascii() below: cells are characters
        if not item.note and short and text.isascii() and text.isprintable():
            return 1
        return len(self._body(item).wrap(self.console, self.body_width))

    def render(self, item: Item, width: int, base: Style) -> list[Strip]:
        """The rows of `item`, each cropped or padded to `width` (the view's, which may
        still differ from the layout's) on the `base` style."""
        console = self.console
        if isinstance(item, Banner):
            label = f"· {item.text} ·"
            margin = " " * max(0, (width - cell_len(label)) // 2)
            text = Text.assemble((margin, base), (label, base + self.style("banner")))
            return [Strip(text.render(console)).crop_extend(0, width, base)]
        if isinstance(item, date | Divider):
            # A locale's day and month may be wide. The divider is a rule like the day's,
            # in a colour of its own, so that it catches the eye among them.
            label = f" {item.text} " if isinstance(item, Divider) else f" {item:%A %d %B %Y} "
            spare = max(0, width - cell_len(label))
            left = spare // 2 + (spare & width & 1)  # as str.center splits it
            line = "─" * left + label + "─" * (spare - left)
            kind = "divider" if isinstance(item, Divider) else "day"
            text = Text.assemble((line, base + self.style(kind)))
            return [Strip(text.render(console)).crop_extend(0, width, base)]
        body_width = self.body_width
        marks = self.marker(item) if self.marker is not None else ()
        rows = self._body(item, marks).wrap(console, body_width) or [Text("")]
        between, rule_style = rule(marks, self.style)
        strips = []
        for number, row in enumerate(rows):
            prefix = Text(no_wrap=True, style=base)
            if number == 0:
                prefix.append(f"{item.when:%H:%M} ", style=self.style("time"))
                prefix.append(_sender_label(item), style=self._sender_style(item))
            else:
                prefix.append(" " * (6 + NAME_WIDTH))
            prefix.append(between, style=base + rule_style)
            prefix.append_text(row)
            # In cells: a wide character takes two, and the mark must stay in its column.
            prefix.pad_right(max(0, PREFIX_WIDTH + body_width - prefix.cell_len))
            if number == 0 and item.seen:  # read by the peer: both cells of the column
                prefix.append(SEEN, style=self.style("seen"))
            elif number == 0 and item.delivery is not Delivery.RECEIVED:
                prefix.append(f" {MARKS[item.delivery]}", style=self.style(item.delivery.value))
            strips.append(Strip(prefix.render(console)).crop_extend(0, width, base))
        return strips

    def _body(self, line: Line, marks: Sequence[Mark] = ()) -> Text:
        body = Text(line.text)
        paint(body, marks, self.style)
        if line.note:
            failed = line.delivery is Delivery.FAILED  # else a remark, as "from another device"
            body.append(f"\n{line.note}", style=self.style("failed" if failed else "time"))
        return body

    def _sender_style(self, line: Line) -> Style:
        if line.own:
            return self.style("own")
        return Style(color=NAME_COLOURS[line.sender_id % len(NAME_COLOURS)], bold=True)


def _sender_label(line: Line) -> str:
    """The sender's name in exactly NAME_WIDTH cells: right-aligned, or cut with an ellipsis
    (a wide character that would straddle the cut becomes a space)."""
    name = line.sender
    if cell_len(name) <= NAME_WIDTH:
        return " " * (NAME_WIDTH - cell_len(name)) + name
    return set_cell_size(name, NAME_WIDTH - 1) + "…"
