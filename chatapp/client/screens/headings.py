"""What the main screen says about a conversation besides its messages: a group's members
in the title, the hint of an empty conversation, the banner above the oldest message."""

from __future__ import annotations

from chatapp.protocol import GroupInfo

from ..conversation import Conversation

TITLE_NAMES = 20
"""Members named in a group's title, at most: it is one line."""


def members_line(group: GroupInfo) -> str:
    """The members a group's title names: every one where there are few, else how many
    there are and the first ones known."""
    names = ", ".join(u.name for u in group.users[:TITLE_NAMES])
    if group.count <= min(len(group.users), TITLE_NAMES):
        return names
    return f"{group.count:,} members: {names}, …" if names else f"{group.count:,} members"


def hint(conv: Conversation) -> str:
    """What an empty conversation says instead of messages."""
    if conv.paging.loading:
        return "Loading history…"
    if conv.paging.error:
        return f"History not loaded: {conv.paging.error}. PageUp to retry."
    return "No messages yet. Say hello!"


def banner(conv: Conversation) -> str:
    """What the row above the oldest message says about older ones."""
    paging = conv.paging
    if paging.loading:
        return "loading older messages…"
    if paging.error:
        return f"history not loaded: {paging.error} (PageUp to retry)"
    if paging.complete:
        return "beginning of conversation"
    return "PageUp for older messages" if paging.started else ""
