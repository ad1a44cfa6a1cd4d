"""Tab completion: the command at the start of a line, or a friend's, group's or member's name."""

from __future__ import annotations

from .commands import COMMANDS
from .conversation import ConvKey, Kind
from .state import ChatState


def names(state: ChatState, active: ConvKey | None = None) -> list[str]:
    """What a word may complete to, nearest first: the open group's members, then friends'
    names and ids, then groups' names and ids; each once."""
    found: list[str] = []
    group = state.groups.get(active.id) if active and active.kind is Kind.GROUP else None
    if group is not None:
        found += (m.name for m in group.users)
    found += (f.name for f in state.friends.values())
    found += (str(f.id) for f in state.friends.values())
    found += (g.groupname for g in state.groups.values())
    found += (str(g.id) for g in state.groups.values())
    return list(dict.fromkeys(n for n in found if n))


def complete(before: str, candidates: list[str]) -> tuple[int, list[str]] | None:
    """Completes the end of `before` (a line up to the cursor): where the completed part
    starts, and what may replace it (each ending in a space), or None if nothing fits.

    A line of one word starting with / is a command. Otherwise the longest tail that starts
    a word and begins one of `candidates` (case aside) is taken, so that names with spaces
    in them complete from their first word on."""
    if before.startswith("/") and " " not in before and not before.startswith("//"):
        typed = before[1:].lower()
        commands = [f"/{name} " for name in COMMANDS if name.startswith(typed)]
        return (0, commands) if commands else None
    starts = [0, *(i + 1 for i, char in enumerate(before) if char.isspace())]
    for start in starts:
        tail = before[start:].casefold()
        if not tail:
            continue
        fits = [f"{name} " for name in candidates if name.casefold().startswith(tail)]
        if fits:
            return start, fits
    return None
