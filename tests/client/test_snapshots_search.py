"""Snapshots of searches and mentions: matches marked, the search bar, the --all results."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from chatapp.client.app import ChatApp
from chatapp.client.conversation import Line
from chatapp.client.screens.results import SearchResults
from chatapp.client.settings import Settings
from chatapp.client.state import ChatState
from chatapp.client.widgets.composer import Composer

from .conftest import until
from .fakes import DEVS, NOW, clock, demo_state
from .test_snapshots import RefusingConnection, SnapCompare

SIZES = pytest.mark.parametrize("size", [(120, 35), (60, 20)], ids=["120x35", "60x20"])

GROUP_TALK = [
    (2, "bob", "morning all"),
    (3, "carol", "@alice can you look at the build? it is red again"),
    (1, "alice", "looking, alice is on it"),  # our own: never a mention
    (2, "bob", "no malice meant, but Alice broke it"),
    (3, "carol", "爱丽丝 alice 你好"),
]


def app_with_group() -> ChatApp:
    """alice's demo state with the devs group open, where she is mentioned."""
    state = demo_state()
    conv = state.conversation(DEVS)
    for minute, (sender, name, text) in enumerate(GROUP_TALK):
        conv.lines.append(Line(sender, name, text, NOW.replace(minute=minute), sender == 1))
    conv.paging.started = conv.paging.complete = True
    state.open(DEVS)
    return demo_app(state)


def demo_app(state: ChatState | None = None) -> ChatApp:
    return ChatApp(
        Settings(user="alice"),
        state=state or demo_state(),
        clock=clock,
        blink=False,
        connection_factory=RefusingConnection,
    )


async def enter(pilot: Pilot[None], line: str) -> None:
    """Types `line` into the composer and presses Enter."""
    pilot.app.screen.query_one(Composer).value = line
    await pilot.press("enter")
    await pilot.pause()


@SIZES
def test_search_marks_matches(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """The newest match is current (bold, in the error colour), the rest marked; the bar
    under the messages says which of how many, and the keys."""

    async def search(pilot: Pilot[None]) -> None:
        await enter(pilot, "/search THE")
        await pilot.press("shift+f3")
        await pilot.pause()

    assert snap_compare(demo_app(), terminal_size=size, run_before=search)


@SIZES
def test_mentions_marked(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """In a group, alice's name as a word is marked and its row's rule is heavy; inside
    "malice", in her own line and after wide characters it stays the same width."""
    assert snap_compare(app_with_group(), terminal_size=size)


@SIZES
def test_search_all_results(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """/search --all lists the newest matches of every loaded conversation."""

    async def search(pilot: Pilot[None]) -> None:
        await enter(pilot, "/search --all me")
        await until(lambda: isinstance(pilot.app.screen, SearchResults))
        await pilot.pause()

    assert snap_compare(app_with_group(), terminal_size=size, run_before=search)
