"""Mentions: where a group message names the user, as a whole word, with or without @."""

from __future__ import annotations

import re
from functools import lru_cache

from .search import Span


@lru_cache(maxsize=16)
def _pattern(name: str) -> re.Pattern[str]:
    # \w is Unicode-aware, so "alice" is not found in "malice" nor "李四" in "张李四"; an @
    # may follow any letter but those of an address ("你好@李四", not "bob@alice.example").
    # IGNORECASE folds case in every script that has one (Latin, Greek, Cyrillic...).
    start = r"(?:(?<![\w@])@?|(?<![A-Za-z0-9._%+-])@)"
    return re.compile(rf"{start}{re.escape(name)}(?!\w)", re.IGNORECASE)


def mention_spans(text: str, name: str) -> list[Span]:
    """Where `text` mentions `name` (the @ included), as [start, end) character offsets."""
    if not name.strip():
        return []
    return [match.span() for match in _pattern(name).finditer(text)]


def mentions(text: str, name: str) -> bool:
    """Whether `text` mentions `name`."""
    return bool(name.strip()) and _pattern(name).search(text) is not None
