"""Snapshots of others typing, a message of ours from another device and a failed login's
focus, wide and narrow."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from chatapp.client.app import ChatApp
from chatapp.client.messages import HeardNews, ServerEvent
from chatapp.client.widgets.typing_line import TypingLine
from chatapp.protocol import ChatMessage, TypingNotice, UserInfo

from .conftest import until
from .fakes import BOB
from .test_snapshots import SnapCompare, app_with

SIZES = pytest.mark.parametrize("size", [(120, 35), (60, 20)], ids=["120x35", "60x20"])


@SIZES
def test_bob_is_typing(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """One line above the composer, under the newest message."""

    async def bob_types(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, ChatApp)
        app.post_message(HeardNews(TypingNotice(UserInfo(2, "bob"), peer=2)))
        await until(lambda: app.screen.query_one(TypingLine).display)
        await pilot.pause()

    assert snap_compare(app_with(), terminal_size=size, run_before=bob_types)


@SIZES
def test_a_message_from_another_device(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """Our own line, marked as sent from another of our devices."""

    async def carbon(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, ChatApp)
        chat = ChatMessage(1, "alice", 2, "sent from my phone", "2025-03-14 09:25:00", 900, 0)
        app.post_message(ServerEvent(chat))
        await until(lambda: app.state.conversation(BOB).lines[-1].mid == 900)
        await pilot.pause()

    assert snap_compare(app_with(), terminal_size=size, run_before=carbon)


@SIZES
def test_wrong_password_empties_and_focuses_it(
    snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    """The error in sight, the password field empty and focused, to type it again."""

    async def wrong_password(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        screen.query_one("#password", Input).value = "hunter2"
        screen.query_one("#user", Input).focus()
        await pilot.press("tab", "enter")
        error = screen.query_one("#error", Static)
        await until(lambda: "wrong" in str(error.render()).lower())
        assert screen.focused is screen.query_one("#password", Input)
        assert screen.query_one("#password", Input).value == ""
        await pilot.pause()

    assert snap_compare(app_with(logged_in=False), terminal_size=size, run_before=wrong_password)
