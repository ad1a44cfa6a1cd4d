"""chatapp-admin's tables: a list of records as columns, one record as fields and values."""

from __future__ import annotations

from typing import Any


def cell(value: Any) -> str:
    """A value as one cell: records in a list as `id name (role)`, comma-separated."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return " ".join(cell(v) for v in value.values())
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value) or "-"
    return str(value)


def _field(value: Any) -> str:
    """A record's field: a record within it (settings) as `key=value` pairs."""
    if isinstance(value, dict):
        return " ".join(f"{k}={cell(v)}" for k, v in value.items())
    return cell(value)


def table(shown: dict[str, Any] | list[dict[str, Any]]) -> str:
    """The text of `shown`, each line ending in a newline."""
    if isinstance(shown, dict):
        width = max(map(len, shown))
        lines = [
            f"{key.replace('_', ' '):<{width}}  {_field(value)}" for key, value in shown.items()
        ]
        return "".join(line.rstrip() + "\n" for line in lines)
    if not shown:
        return "(none)\n"
    heads = list(shown[0])
    rows = [[cell(record[h]) for h in heads] for record in shown]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]
    return "".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n"
        for row in [heads, *rows]
    )
