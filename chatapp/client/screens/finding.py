"""FindingScreen: the main screen's searches (/search, F3, Shift+F3, Ctrl+F, Escape; /search
--all across conversations) and the marks they and mentions of the user leave on messages."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from ..conversation import Conversation, Kind, Line
from ..mentions import mention_spans
from ..messages import LoadHistory, OpenConversation
from ..search import Hit, Search, search_all, spans
from ..state import ChatState
from ..widgets.composer import Composer
from ..widgets.highlights import Mark
from ..widgets.message_log import MessageLog
from .results import SearchResults

MOST_PAGES = 10
"""Older pages of history a search that finds nothing loads, at most, before it gives up."""


class SearchBar(Static):
    """The line under the messages while a search is on: where it stands and its keys."""

    DEFAULT_CSS = """
    SearchBar { height: 1; padding: 0 1; background: $boost; color: $text; }
    """


class FindingScreen(Screen[None]):
    """A screen whose message log can be searched; MainScreen is one. The server has no
    search: it covers the lines loaded, and loads older pages when those hold no match."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f3", "search_step(1)", "Next match", show=False, priority=True),
        Binding("shift+f3", "search_step(-1)", "Previous match", show=False, priority=True),
        Binding("ctrl+f", "search_prompt", "Search", show=False, priority=True),
    ]

    state: ChatState
    _search: Search | None = None
    _search_pages = 0
    """Older pages asked for by a search that found nothing yet."""
    _search_reveal = False
    """A result of /search --all waits for its conversation to open, to be shown."""

    def marks(self, line: Line) -> list[Mark]:
        """What the message log marks in `line`: search matches, and mentions in groups."""
        found: list[Mark] = []
        search, active = self._search, self.state.active
        if search is not None and search.key == active:
            name = "current" if line is search.current else "match"
            found += [(start, end, name) for start, end in spans(line.text, search.query)]
        if active is not None and active.kind is Kind.GROUP and not line.own:
            named = mention_spans(line.text, self.state.user_name)
            found += [(start, end, "mention") for start, end in named]
        return found

    def search(self, text: str, everywhere: bool = False) -> None:
        """Runs /search: `text` in the open conversation, or in every loaded one."""
        if everywhere:
            hits, total = search_all(self.state.conversations.values(), text)
            if hits:
                results = SearchResults(text, hits, total)
                self.app.push_screen(results, partial(self._search_hit, text))
            else:
                self.notify(f"No loaded message holds “{text}”", severity="warning")
        elif not text:
            self.clear_search()
        elif self.state.active is None:
            self.notify("No conversation is open: /search --all <text> looks in all of them")
        else:
            self._search = Search(self.state.active, text)
            self._search_pages, self._search_reveal = 0, False
            self._search_go(0)

    def clear_search(self) -> None:
        if self._search is not None:
            self._search, self._search_pages, self._search_reveal = None, 0, False
            self.query_one(MessageLog).restyle()
            self._search_say("")

    def action_search_step(self, by: int) -> None:
        """F3 (+1, newer) and Shift+F3 (-1, older)."""
        if self._search is None or self._search.key != self.state.active:
            self.notify("No search: /search <text> (Ctrl+F) starts one")
        else:
            self._search_go(by)

    def action_search_prompt(self) -> None:
        composer = self.query_one(Composer)
        composer.value = "/search "
        composer.focus()

    def _search_go(self, by: int) -> None:
        """Moves to a match and shows it, or looks in older pages if there is none."""
        if (search := self._search) is None:
            return
        conv = self.state.conversation(search.key)
        place, count = search.step(conv.lines, by)
        log = self.query_one(MessageLog)
        if search.current is not None:
            self._search_pages = 0
            log.reveal(search.current)
            keys = "F3 newer · Shift+F3 older · Esc ends"
            self._search_say(f"“{search.query}”: match {place} of {count} loaded · {keys}")
        else:
            log.restyle()
            self._search_older(conv, search.query)

    def _search_older(self, conv: Conversation, query: str) -> None:
        """Nothing matches among the lines loaded: asks for an older page, MOST_PAGES at most."""
        loaded = f"the {len(conv.lines)} messages loaded"
        if conv.paging.complete or self._search_pages >= MOST_PAGES:
            if conv.paging.complete:
                where = "this conversation"
            else:  # F3 goes on: MOST_PAGES more
                where = f"{loaded} ({self._search_pages} older pages; F3 looks further)"
            self._search_pages = 0
            self._search_say(f"“{query}”: no match in {where} · Esc ends")
            return
        self._search_pages += 1
        self._search_say(
            f"“{query}”: no match in {loaded}; loading older ones "
            f"(page {self._search_pages} of at most {MOST_PAGES})"
        )
        self.post_message(LoadHistory(conv.key))

    def search_history_came(self, conv: Conversation) -> None:
        """The open conversation changed (a page of history came): a search waiting for
        older pages looks again."""
        search = self._search
        waiting = self._search_pages and not conv.paging.loading
        if search is None or search.key != conv.key or not waiting:
            return
        if conv.paging.error:
            self._search_pages = 0
            self._search_say(f"“{search.query}”: older messages not loaded: {conv.paging.error}")
        else:
            self._search_go(0)

    def search_shown(self) -> None:
        """The log shows another conversation, or the same afresh (which scrolls it to the
        newest): a search of another ends, unless it is a result of /search --all waiting
        for its conversation to open; a search of this one goes back to its match."""
        search = self._search
        if search is None:
            return
        if search.key != self.state.active:
            if not self._search_reveal:
                self.clear_search()
        elif search.current is not None:
            self._search_reveal = False
            self._search_go(0)

    def _search_hit(self, query: str, hit: Hit | None) -> None:
        """A result of /search --all was picked: its conversation opens, on that match."""
        if hit is not None:
            self._search, self._search_pages = Search(hit.key, query, hit.line), 0
            self._search_reveal = True
            self.post_message(OpenConversation(hit.key))

    def _search_say(self, text: str) -> None:
        """Shows `text` in the search bar under the messages; no text takes the bar away."""
        body = self.query_one("#body")  # the log and the member pane, side by side
        bars = self.query(SearchBar)
        if not text:
            bars.remove()
        elif bars:
            bars.first().update(text)
        elif isinstance(body.parent, Widget):
            body.parent.mount(SearchBar(text, markup=False), after=body)
