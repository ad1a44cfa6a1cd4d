"""The Limits table of docs/protocol.md from Config: python -m chatapp.server.settings_doc."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from chatapp.protocol import LOGIN_FRAME, MAX_RID_LENGTH

from .config import Config
from .settings import Limit, options

PROTOCOL_DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
COMMAND = "python -m chatapp.server.settings_doc"
BEGIN = f"<!-- limits:begin: generated from chatapp/server/config.py by `{COMMAND}` -->"
END = "<!-- limits:end -->"

_MIB = 1024 * 1024
_DAY = 24 * 3600


def limits_table(config: Config) -> str:
    """The Limits table, with `config`'s values as the defaults, and the fixed rows."""
    lines = ["| limit | option | default |", "|---|---|---|"]
    for option in options(config):
        if option.limit is not None:
            shown = readable(option.limit, option.default)
            lines.append(f"| {option.limit.what} | `{option.flag}` | {shown} |")
    lines += [
        f"| the login ack, and every frame before it | (fixed) | {LOGIN_FRAME:,} bytes, "
        "or `--max-frame` if less |",
        f"| client message id `cid` | (fixed) | string of {MAX_RID_LENGTH} characters |",
        f"| request id | (fixed) | integer, or string of {MAX_RID_LENGTH} characters |",
    ]
    return "\n".join(lines) + "\n"


def readable(limit: Limit, value: float) -> str:
    """`limit.default` filled in with `value`: 65,536 bytes, 4 MiB, 30 days, 300 s."""
    number = f"{int(value) if value == int(value) else value:,}"
    mib, days = _whole(value, _MIB), _whole(value, _DAY)
    return limit.default.format(
        count=number,
        characters=f"{number} characters",
        bytes=f"{mib} MiB" if mib else f"{number} bytes",
        seconds=f"{days} day{'s' if days > 1 else ''}" if days else f"{number} s",
    )


def _whole(value: float, unit: int) -> int:
    """How many `unit`s `value` is if it is a whole number of them, else 0."""
    return int(value // unit) if value % unit == 0 else 0


def with_table(text: str, table: str) -> str:
    """`text` with `table` in place of whatever stands between the markers."""
    start = text.find(BEGIN)
    end = text.find(END, start)
    if start < 0 or end < 0:
        raise ValueError(f"the markers are missing: {BEGIN} ... {END}")
    return text[: start + len(BEGIN)] + "\n\n" + table + "\n" + text[end:]


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrites the table in docs/protocol.md (or the file named) if it is not current."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else PROTOCOL_DOC
    text = path.read_text(encoding="utf-8")
    current = with_table(text, limits_table(Config()))
    if current == text:
        print(f"{path}: the Limits table is current")
    else:
        path.write_text(current, encoding="utf-8")
        print(f"{path}: the Limits table is written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
