"""MessageLog: a conversation's messages, rendered line by line so thousands stay cheap."""

from __future__ import annotations

from bisect import bisect_right
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.events import Resize
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..conversation import Delivery, Line
from .highlights import Marker
from .log_styles import COMPONENTS, CSS
from .message_rows import Banner, Divider, Item, Rows

__all__ = ["Banner", "MessageLog"]


class MessageLog(ScrollView, can_focus=True):
    """A virtual list of messages and day separators, under a banner about older ones.

    Only visible rows are rendered (and cached); an append costs one item's layout, so a
    conversation of any length scrolls and grows without re-laying out the rest.
    """

    class TopReached(Message):
        """The reader is at the top and asks for older messages."""

    class NewestShown(Message):
        """The newest messages are in view (shown, followed, or scrolled down to)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"message-log--{name}" for name in COMPONENTS}
    DEFAULT_CSS = CSS

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.hint = ""
        self.header = ""
        self.divider = 0  # the mid of the message the "new messages" divider sits above
        self._items: list[Item] = []
        self._offsets: list[int] = []
        self._heights: list[int] = []
        self._index: dict[int, int] = {}  # id(line) -> position, for delivery updates
        self._cache: LRUCache[int, list[Strip]] = LRUCache(512)
        self._width = 0
        # Whether new lines scroll into view: true until the reader scrolls up.
        self._follow = True
        # Messages appended while the reader was scrolled up: the marker at the bottom counts them.
        self.unseen = 0
        self.marker: Marker | None = None  # what the screen marks in a line: searches, mentions

    # --- Content --------------------------------------------------------------------------

    def show(self, lines: list[Line], hint: str = "", header: str = "") -> None:
        """Replaces the content with `lines` under `header` and scrolls to the newest."""
        self.hint = hint
        self._rebuild(lines, header)
        self.unseen = 0
        self.scroll_to_newest()

    def scroll_to_newest(self) -> None:
        """Scrolls to the newest message and follows the ones that come after it."""
        self._follow = True
        self.scroll_end(animate=False, immediate=True, force=True, x_axis=False)
        self.post_message(self.NewestShown())

    def replace(self, lines: list[Line], header: str = "") -> None:
        """Replaces the content, keeping the view where it was: on the newest if it followed
        them, else on the message at the top, wherever older ones were added above it."""
        anchor, row = self._anchor()
        self._rebuild(lines, header)
        position = self._index.get(id(anchor)) if anchor is not None else None
        if self._follow or position is None:
            self.scroll_end(animate=False, immediate=True, force=True, x_axis=False)
            self.post_message(self.NewestShown())
        else:
            y = self._offsets[position] - row
            self.scroll_to(y=y, animate=False, immediate=True, force=True)

    def append(self, line: Line) -> None:
        """Adds one message at the bottom, following it if the view was at the bottom or it is
        ours, just written (the writer wants to see it); else the marker counts it."""
        start = len(self._items)
        self._push(line)
        for position in range(start, len(self._items)):
            total = self._offsets[-1] + self._heights[-1] if self._offsets else 0
            self._offsets.append(total)
            self._heights.append(self._measure(self._items[position]))
        self._resize_virtual()
        if self._follow or (line.own and line.delivery is Delivery.PENDING):
            self.scroll_to_newest()
        else:
            self.unseen += 1
            self.refresh()

    def update_line(self, line: Line) -> None:
        """Redraws one message whose delivery mark changed."""
        position = self._index.get(id(line))
        if position is None:
            return
        self._cache.discard(position)
        height = self._measure(line)
        if height != self._heights[position]:
            self._heights[position] = height
            self._reoffset(position)
            self._resize_virtual()
            if self._follow:  # a note under the newest message stays in view
                self.scroll_to_newest()
        self.refresh()

    def scroll_to_divider(self) -> bool:
        """Scrolls the "new messages" divider to the top of the view; False if there is none."""
        found = (p for p, item in enumerate(self._items) if isinstance(item, Divider))
        if (position := next(found, None)) is None:
            return False
        self.scroll_to(y=self._offsets[position], animate=False, immediate=True, force=True)
        return True

    def restyle(self) -> None:
        """Redraws every row: what the marker marks changed (a search began or ended)."""
        self._cache.clear()
        self.refresh()

    def reveal(self, line: Line) -> bool:
        """Scrolls `line` to the middle of the view; False if it is not shown."""
        position = self._index.get(id(line))
        if position is None:
            return False
        middle = (self.scrollable_content_region.height - self._heights[position]) // 2
        y = max(0, self._offsets[position] - middle)
        self.scroll_to(y=y, animate=False, immediate=True, force=True)
        self.restyle()
        return True

    @property
    def message_count(self) -> int:
        return len(self._index)

    def action_page_up(self) -> None:
        """Scrolls a page up; at the top, asks for older messages instead."""
        if self.scroll_y > 0:
            self.scroll_page_up(animate=False)
        else:
            self.post_message(self.TopReached())

    def action_scroll_home(self) -> None:
        """Scrolls to the oldest message shown; there, asks for older ones."""
        if self.scroll_y > 0:
            self.scroll_home(animate=False, x_axis=False)
        else:
            self.post_message(self.TopReached())

    def _rebuild(self, lines: list[Line], header: str) -> None:
        self.header = header
        self._items, self._index = [], {}
        if header and lines:
            self._items.append(Banner(header))
        for line in lines:
            self._push(line)
        self._relayout()

    def _anchor(self) -> tuple[Line | None, int]:
        """The first message at least partly in view, and its offset from the view's top."""
        top = round(self.scroll_offset.y)
        for position in range(max(0, bisect_right(self._offsets, top) - 1), len(self._items)):
            if isinstance(item := self._items[position], Line):
                return item, self._offsets[position] - top
        return None, 0

    def _push(self, line: Line) -> None:
        last = next((i for i in reversed(self._items) if isinstance(i, Line)), None)
        if last is None or last.when.date() != line.when.date():
            self._items.append(line.when.date())
        if line.mid and line.mid == self.divider:
            self._items.append(Divider())
        self._index[id(line)] = len(self._items)
        self._items.append(line)

    # --- Layout ---------------------------------------------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        follow = new_value >= self.max_scroll_y
        if follow and not self._follow:  # the reader scrolled down to the newest
            self.post_message(self.NewestShown())
        self._follow = follow
        if self._follow and self.unseen:
            self.unseen = 0
            self.refresh()
        # Only a reader's scroll counts: content too short to scroll lands at 0 by itself.
        if new_value <= 0 < old_value and self.max_scroll_y > 0:
            self.post_message(self.TopReached())

    def on_resize(self, event: Resize) -> None:
        self._fit_width()
        if self._follow:  # shorter now (a typing line below, say): the newest stays in view
            self.scroll_end(animate=False, immediate=True, force=True, x_axis=False)

    def _fit_width(self) -> None:
        if self.scrollable_content_region.width != self._width:
            self._relayout()
            if self._follow:
                self.scroll_end(animate=False, immediate=True, force=True, x_axis=False)

    def _relayout(self) -> None:
        self._width = self.scrollable_content_region.width
        self._cache.clear()
        rows = self._rows()
        self._heights = [rows.measure(item) for item in self._items]
        self._reoffset(0)
        self._resize_virtual()
        self.refresh()

    def _reoffset(self, start: int) -> None:
        del self._offsets[start:]
        total = self._offsets[-1] + self._heights[start - 1] if start else 0
        for height in self._heights[start:]:
            self._offsets.append(total)
            total += height

    def _resize_virtual(self) -> None:
        total = self._offsets[-1] + self._heights[-1] if self._offsets else 0
        self.virtual_size = Size(self._width, total)

    def _measure(self, item: Item) -> int:
        return self._rows().measure(item)

    # --- Rendering ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        row = round(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if width != self._width:
            # Laid out for another width (the first layout can precede the first resize).
            self.call_after_refresh(self._fit_width)
        if not self._items:
            if y == 0 and self.hint:
                # Styles go in spans: Text.render ignores the style of a Text without spans.
                hint = Text.assemble((self.hint, base + self._style("hint")))
                return Strip(hint.render(self.app.console)).crop_extend(0, width, base)
            return Strip.blank(width, base)
        if self.unseen and y == self.scrollable_content_region.height - 1:
            return self._below(width)
        position = bisect_right(self._offsets, row) - 1
        if position < 0 or row >= self._offsets[position] + self._heights[position]:
            return Strip.blank(width, base)
        strips = self._cache.get(position)
        if strips is None:
            strips = self._rows().render(self._items[position], width, base)
            self._cache[position] = strips
        return strips[min(row - self._offsets[position], len(strips) - 1)]

    def _below(self, width: int) -> Strip:
        """The marker over the bottom row: how many messages came below the view."""
        plural = "s" if self.unseen > 1 else ""
        label = f"▼ {self.unseen} new message{plural} below · Ctrl+End ▼".center(width)
        style = self.rich_style + self.get_component_rich_style("message-log--below")
        return Strip(Text(label, style=style).render(self.app.console)).crop_extend(0, width, style)

    def _style(self, name: str) -> Style:
        # Rows keep the widget's background; the component's own may differ from it.
        style = self.get_component_rich_style(f"message-log--{name}")
        return style + Style(bgcolor=self.rich_style.bgcolor)

    def _rows(self) -> Rows:
        return Rows(self.app.console, self._style, self._width, self.marker)
