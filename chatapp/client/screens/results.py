"""SearchResults: what /search --all found across the loaded conversations; Enter opens one."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import set_cell_size
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..search import Hit, spans


def row(hit: Hit, query: str) -> Text:
    """One result: conversation, sender and time in columns, then the excerpt, matches marked."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(set_cell_size(hit.title, 12) + " ", style="bold")
    text.append(set_cell_size(hit.line.sender, 10) + " ", style="italic")
    text.append(f"{hit.line.when:%d %b %H:%M}  ", style="dim")
    start = len(text)
    text.append(hit.excerpt)
    for begin, end in spans(hit.excerpt, query):
        text.stylize("reverse", start + begin, start + end)
    return text


class SearchResults(ModalScreen[Hit | None]):
    """The newest matches for a text in every loaded conversation, newest first."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss", "Close")]

    DEFAULT_CSS = """
    SearchResults {
        align: center middle;
        #results {
            width: 100;
            max-width: 100%;
            height: auto;
            max-height: 90%;
            border: round $accent;
            border-subtitle-align: center;
            background: $surface;
            OptionList {
                height: auto; max-height: 100%; border: none;
                text-wrap: nowrap; text-overflow: ellipsis;
            }
        }
    }
    """

    def __init__(self, query: str, hits: list[Hit], total: int) -> None:
        super().__init__()
        self.query_text = query
        self.hits = hits
        self.total = total

    def compose(self) -> ComposeResult:
        with Vertical(id="results") as panel:
            shown = f", the newest {len(self.hits)}" if self.total > len(self.hits) else ""
            plural = "" if self.total == 1 else "es"
            panel.border_title = f"{self.total} match{plural} for “{self.query_text}”{shown}"
            panel.border_subtitle = "Enter opens · Esc closes"
            yield OptionList(*(Option(row(hit, self.query_text)) for hit in self.hits))

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.hits[event.option_index])
