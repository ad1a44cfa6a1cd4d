"""The message log's component classes (the styles its rows are painted with) and its CSS."""

from __future__ import annotations

from . import highlights

COMPONENTS = (
    "time",
    "own",
    "day",
    "pending",
    "failed",
    "sent",
    "received",
    "rule",
    "hint",
    "banner",
    "below",
    "divider",
    "seen",
    *highlights.COMPONENTS,
)
"""Each is the component class `message-log--<name>`, which Rows asks its style of."""

CSS = (
    """
MessageLog {
    height: 1fr;
    overflow-x: hidden;
    scrollbar-gutter: stable;
    background: $surface;
    padding: 0 0 0 1;
    & > .message-log--time { color: $text-muted; }
    & > .message-log--own { color: $accent; text-style: bold; }
    & > .message-log--day { color: $text-muted; text-style: italic; }
    & > .message-log--pending { color: $warning; }
    & > .message-log--failed { color: $error; }
    & > .message-log--sent { color: $success; }
    & > .message-log--rule { color: $panel-lighten-2; }
    & > .message-log--hint { color: $text-muted; text-style: italic; }
    & > .message-log--banner { color: $text-muted; text-style: italic; }
    & > .message-log--divider { color: $warning; text-style: bold; }
    & > .message-log--seen { color: $accent; text-style: bold; }
    & > .message-log--below { color: $text; background: $accent 40%; text-style: bold; }
}
"""
    + highlights.CSS
)
