"""Search: where a text occurs in a conversation's loaded lines, in any case and any script."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from unicodedata import normalize

from rich.cells import cell_len, set_cell_size

from .conversation import Conversation, ConvKey, Line

MOST_RESULTS = 50
"""Results /search --all lists: the newest, across every loaded conversation."""
EXCERPT = 40
"""Cells of a message an --all result shows, around its first match."""

Span = tuple[int, int]


def spans(text: str, query: str) -> list[Span]:
    """Where `query` occurs in `text`, ignoring case by full Unicode case folding (so "STRASSE"
    finds "Straße") and how accents are encoded, as [start, end) character offsets into
    `text`."""
    needle = normalize("NFD", query.casefold())
    if not needle:
        return []
    if text.isascii() and needle.isascii():  # folding keeps ASCII offsets: the common case
        hay, origin = text.lower(), None
    else:
        # Decomposed too, so "é" typed as one character finds "e" and an accent, and back
        # (and "cafe" finds "café": the reader who leaves accents out finds more, not less).
        folded: list[str] = []
        origin = []  # the character of `text` that each character of `hay` came from
        for position, char in enumerate(text):
            fold = normalize("NFD", char.casefold())
            folded.append(fold)
            origin.extend([position] * len(fold))
        hay = "".join(folded)
    found: list[Span] = []
    start = hay.find(needle)
    while start >= 0:
        end = start + len(needle)
        span = (origin[start], origin[end - 1] + 1) if origin is not None else (start, end)
        if found and span[0] < found[-1][1]:  # within one character that folds to several
            found[-1] = (found[-1][0], max(found[-1][1], span[1]))
        else:
            found.append(span)
        start = hay.find(needle, end)
    return found


@dataclass(slots=True)
class Search:
    """A search in one conversation: its text and the match the view is on (the newest
    first). Matches are found afresh each step, so lines that came since are in them."""

    key: ConvKey
    query: str
    current: Line | None = None

    def matches(self, lines: Iterable[Line]) -> list[Line]:
        """The lines that hold the text, oldest first."""
        return [line for line in lines if spans(line.text, self.query)]

    def step(self, lines: Iterable[Line], by: int = 0) -> tuple[int, int]:
        """Moves `by` matches (+1 newer, -1 older, round the ends; 0 stays) from the current
        one, or goes to the newest if there is none (or it is gone), and returns its place:
        (k, n) for "match k of n"; (0, 0), and no current match, when nothing matches."""
        found = self.matches(lines)
        if not found:
            self.current = None
            return 0, 0
        here = found.index(self.current) if self.current in found else None
        place = len(found) - 1 if here is None else (here + by) % len(found)
        self.current = found[place]
        return place + 1, len(found)


@dataclass(frozen=True, slots=True)
class Hit:
    """One result of a search across conversations."""

    key: ConvKey
    title: str
    line: Line
    excerpt: str


def search_all(conversations: Iterable[Conversation], query: str) -> tuple[list[Hit], int]:
    """The newest MOST_RESULTS lines that hold `query` in every loaded conversation, newest
    first, and how many there are in all."""
    hits = [
        Hit(conv.key, conv.title, line, excerpt(line.text, found[0]))
        for conv in conversations
        for line in conv.lines
        if (found := spans(line.text, query))
    ]
    hits.sort(key=lambda hit: hit.line.when, reverse=True)
    return hits[:MOST_RESULTS], len(hits)


def excerpt(text: str, span: Span, width: int = EXCERPT) -> str:
    """`text` on one line, cut to about `width` cells around `span`."""
    start = max(0, span[0] - width // 4)
    flat = " ".join(text[start:].split())
    lead = "…" if start else ""
    if cell_len(flat) + len(lead) <= width:
        return lead + flat
    return lead + set_cell_size(flat, width - 1 - len(lead)) + "…"
