"""Text the server accepts from users: names that cannot pass for one another, and chat
messages without control characters.

Names are kept in Unicode NFC. A name may not hold what a reader cannot see or that
changes how text around it is shown: control and format characters (zero-width spaces,
joiners, the bidi overrides such as U+202E, the soft hyphen), line and paragraph
separators, unassigned or private-use code points, spaces other than U+0020, nor a space at
either end or two in a row. Two names that a reader could take for each other share a
confusable skeleton (Unicode TR39): NFKC, then each character mapped to its prototype in
Unicode's confusables data, then NFD. The storage keeps the skeleton of every user and
group name, and a new name whose skeleton is taken is refused as taken.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# C0 and C1 controls but tab and newline, and DEL: a terminal acts on them (ESC starts an
# escape sequence, BEL rings, CR overwrites the line), the original console client too.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# Categories a name may not contain: controls, format characters (ZWSP, ZWJ, bidi
# controls, soft hyphen...), surrogates, private use, unassigned, line and paragraph
# separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class Unacceptable(ValueError):
    """The text breaks a rule; the message says which, for the user."""


def clean_message(text: str) -> str:
    """The message without C0/C1 control characters (newline and tab stay)."""
    return _CONTROLS.sub("", text) if _CONTROLS.search(text) else text


def check_name(value: str, limit: int, what: str) -> str:
    """The name in NFC; raises Unacceptable for one a reader could be fooled by."""
    name = unicodedata.normalize("NFC", value)
    if not name.strip():
        raise Unacceptable(f"{what} must not be empty")
    if len(name) > limit:
        raise Unacceptable(f"{what} is longer than {limit} characters")
    if name != name.strip(" ") or "  " in name:
        raise Unacceptable(f"{what} must not start or end with a space, nor hold two in a row")
    for ch in name:
        category = unicodedata.category(ch)
        if category in _INVISIBLE or (category == "Zs" and ch != " "):
            if category == "Cc":
                raise Unacceptable(f"{what} must not contain control characters")
            raise Unacceptable(
                f"{what} must not contain invisible or layout characters (U+{ord(ch):04X})"
            )
    return name


def skeleton(name: str) -> str:
    """The name's confusable skeleton (TR39, after NFKC): equal for look-alikes."""
    prototypes = _prototypes()
    folded = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", name))
    return unicodedata.normalize("NFD", "".join(prototypes.get(ch, ch) for ch in folded))


@cache
def _prototypes() -> dict[str, str]:
    """Each confusable character's prototype, from Unicode's confusables.txt as the
    confusable-homoglyphs package ships it (loaded once, on first use).

    That package lists each line of confusables.txt both ways, source to prototype and
    prototype to source. A source has one entry, its prototype; a prototype lists all its
    sources. Where a prototype has a single source the two list each other: both map to
    the smaller, which keeps their skeletons equal.
    """
    from confusable_homoglyphs.utils import load  # 900 KB of JSON: only when needed

    table: dict[str, list[dict[str, str]]] = load("confusables.json")
    single = {char: entries[0]["c"] for char, entries in table.items() if len(entries) == 1}
    prototypes: dict[str, str] = {}
    for char, target in single.items():
        prototypes[char] = min(char, target) if single.get(target) == char else target
    return prototypes
