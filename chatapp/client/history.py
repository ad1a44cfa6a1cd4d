"""InputHistory: what was sent in each conversation, for Up and Down, kept across runs."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from .settings import data_path

log = logging.getLogger(__name__)

PER_CONVERSATION = 100
"""Lines kept for each conversation, the newest."""

CONVERSATIONS = 200
"""Conversations kept, those sent to most recently."""

LONGEST = 4096
"""Longer lines are recalled in this run but not written down: the file stays small."""

MOST_CHARS = 1_000_000
"""Characters written down in all: beyond them the conversations sent to least recently
are left out of the file (each conversation's lines alone could reach 400,000)."""


def history_path(data_dir: Path | None = None) -> Path:
    """The file in the client's data directory (the platform's, unless `data_dir`)."""
    return data_path(data_dir) / "input-history.json"


class InputHistory:
    """Lines sent, per conversation key (the user's id and the conversation, so that two
    accounts on one machine keep theirs apart), the least recently used first."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lines: dict[str, list[str]] = {}

    @classmethod
    def load(cls, path: Path) -> InputHistory:
        """Reads the file; a missing or damaged one is an empty history."""
        history = cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return history
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable input history %s: %s", path, exc)
            return history
        kept = data.get("conversations") if isinstance(data, dict) else None
        if isinstance(kept, dict):
            for key, lines in list(kept.items())[-CONVERSATIONS:]:
                if isinstance(key, str) and isinstance(lines, list):
                    texts = [line for line in lines if isinstance(line, str) and line]
                    history._lines[key] = texts[-PER_CONVERSATION:]
        return history

    def lines(self, key: str) -> list[str]:
        """The conversation's lines, oldest first: the list itself, which `add` extends."""
        return self._lines.setdefault(key, [])

    def add(self, key: str, line: str) -> None:
        """Remembers a line sent in conversation `key` (not twice in a row), then saves."""
        lines = self._lines.pop(key, [])
        self._lines[key] = lines  # now the most recently used
        if line and (not lines or lines[-1] != line):
            lines.append(line)
            del lines[:-PER_CONVERSATION]
        for old in [k for k in self._lines if self._lines[k] is not lines]:
            if len(self._lines) <= CONVERSATIONS:
                break
            del self._lines[old]
        self.save()

    def save(self) -> None:
        """Writes the file whole and then renames it over the old one, so that a crash leaves
        one or the other; a failure is logged, since losing history must not stop the client."""
        if self.path is None:
            return
        kept = {
            key: [line for line in lines if len(line) <= LONGEST]
            for key, lines in self._lines.items()
        }
        total = sum(len(line) for lines in kept.values() for line in lines)
        for key in list(kept):  # the least recently used first
            if total <= MOST_CHARS:
                break
            total -= sum(len(line) for line in kept.pop(key))
        data = {"version": 1, "conversations": {k: v for k, v in kept.items() if v}}
        try:
            # What the user typed is theirs alone: a private directory, and mkstemp's file
            # is readable by its owner only (0600), as is the file it replaces.
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=self.path.parent, prefix=".history-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    json.dump(data, out, ensure_ascii=False)
                os.replace(name, self.path)
            except BaseException:
                os.unlink(name)
                raise
        except OSError as exc:
            log.warning("cannot save input history to %s: %s", self.path, exc)
