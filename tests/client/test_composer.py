"""The composer in the main screen: several lines, pastes that keep their newlines."""

from __future__ import annotations

from rich.console import Console
from textual import events
from textual.pilot import Pilot
from textual.widgets import TextArea

from chatapp.client.app import ChatApp
from chatapp.client.screens.help import help_table
from chatapp.client.settings import Settings
from chatapp.client.widgets.composer import Composer

from .fakes import BOB, clock, demo_state

SIZE = (100, 30)


def chat_app() -> ChatApp:
    """alice's main screen with bob's conversation open, on no server: sends fail later."""
    return ChatApp(Settings(user="alice"), state=demo_state(), clock=clock, blink=False)


def composer(app: ChatApp) -> TextArea:
    return app.screen.query_one("#composer", TextArea)


async def paste(app: ChatApp, pilot: Pilot[None], text: str) -> None:
    app.post_message(events.Paste(text))  # as the driver does: to the focused widget
    await pilot.pause()


def last_text(app: ChatApp) -> str:
    return app.state.conversation(BOB).lines[-1].text


async def test_a_pasted_paragraph_is_sent_whole() -> None:
    app = chat_app()
    async with app.run_test(size=SIZE) as pilot:
        await paste(app, pilot, "one\ntwo\nthree")
        await pilot.press("enter")
        assert last_text(app) == "one\ntwo\nthree"


async def test_ctrl_j_and_alt_enter_and_shift_enter_insert_a_newline() -> None:
    app = chat_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "ctrl+j", "b", "alt+enter", "c", "shift+enter", "d")
        assert last_text(app) == "this one did not make it"  # nothing sent yet
        await pilot.press("enter")
        assert last_text(app) == "a\nb\nc\nd"


async def test_the_composer_grows_to_a_few_lines_then_scrolls() -> None:
    app = chat_app()
    async with app.run_test(size=SIZE) as pilot:
        box = composer(app)
        one_line = box.outer_size.height
        await paste(app, pilot, "a\nb\nc")
        assert box.outer_size.height == one_line + 2
        await paste(app, pilot, "\nd\ne\nf\ng\nh\ni")
        assert one_line + 2 < box.outer_size.height <= one_line + 4
        await pilot.press("enter")
        await pilot.pause()
        assert box.outer_size.height == one_line


LIMIT = 16_000
"""The server's --max-message-chars by default, which it does not announce."""


async def test_a_counter_shows_near_the_limit_and_a_longer_message_stays_unsent() -> None:
    app = chat_app()
    async with app.run_test(size=SIZE) as pilot:
        box = composer(app)
        await paste(app, pilot, "x" * (LIMIT * 9 // 10 - 1))
        assert not box.border_subtitle  # far from the limit: no counter
        await paste(app, pilot, "x" * (LIMIT // 10))
        assert str(box.border_subtitle) == "15,999 / 16,000"
        await paste(app, pilot, "yy")
        assert str(box.border_subtitle).startswith("16,001 / 16,000")
        assert box.has_class("-too-long")
        await pilot.press("enter")
        assert last_text(app) == "this one did not make it"  # not sent
        assert len(box.text) == LIMIT + 1  # and kept
        assert any("16,000" in str(n.message) for n in app._notifications)
        await pilot.press("backspace")
        assert str(box.border_subtitle) == "16,000 / 16,000" and not box.has_class("-too-long")
        await pilot.press("enter")
        assert last_text(app) == "x" * (LIMIT - 1) + "y"
        await pilot.pause()
        assert not box.border_subtitle and not box.text


def test_the_help_names_the_keys_of_the_composer_and_the_limit() -> None:
    console = Console(width=100, record=True, color_system=None)
    console.print(help_table())
    shown = console.export_text()
    for words in ("Ctrl+J", "Alt+Enter", "Shift+Enter", "Ctrl+End", "new messages", "16,000"):
        assert words in shown, words


async def test_up_and_down_move_between_lines_before_recalling_sent_ones() -> None:
    app = chat_app()
    async with app.run_test(size=SIZE) as pilot:
        box = app.screen.query_one(Composer)
        box.remember("earlier")
        await paste(app, pilot, "one\ntwo")
        await pilot.press("up")
        assert box.cursor_location[0] == 0 and box.text == "one\ntwo"
        await pilot.press("up")
        assert box.text == "earlier"
        await pilot.press("down")
        assert box.text == "one\ntwo" and box.cursor_location == (1, 3)  # the draft, at its end
