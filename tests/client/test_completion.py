"""Tab completion: commands at the start of a line, names and ids after; in the composer."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import TextArea

from chatapp.client.app import ChatApp
from chatapp.client.completion import complete, names
from chatapp.client.messages import OpenConversation
from chatapp.client.settings import Settings
from chatapp.client.state import ChatState
from chatapp.protocol import MemberInfo

from .fakes import BOB, DEVS, clock, demo_state

SIZE = (100, 30)


def crowded_state() -> ChatState:
    """demo_state, with a member in devs whose name has a space and one in wide characters."""
    state = demo_state()
    devs = state.groups[DEVS.id]
    wide = (MemberInfo(5, "Mary Jane", "online", "normal"), MemberInfo(6, "李小龙", "", "normal"))
    state.groups[DEVS.id] = replace(devs, users=(*devs.users, *wide))
    return state


def test_a_command_completes_at_the_start_of_a_line() -> None:
    assert complete("/he", []) == (0, ["/help "])
    assert complete("/HE", []) == (0, ["/help "])
    assert complete("/c", []) == (0, ["/create ", "/close "])
    assert complete("/nosuch", []) is None
    assert complete("//he", ["hello"]) is None  # text that starts with a slash, no command


def test_names_come_from_friends_groups_and_the_open_groups_members() -> None:
    state = crowded_state()
    assert names(state, BOB) == ["bob", "carol", "dave", "2", "3", "4", "devs", "random", "1"]
    in_devs = names(state, DEVS)
    assert in_devs[:4] == ["alice", "bob", "Mary Jane", "李小龙"]
    assert in_devs.count("bob") == 1 and "carol" in in_devs


def test_the_longest_tail_that_starts_a_name_is_completed() -> None:
    candidates = ["bob", "Mary Jane", "Mary Ann", "李小龙", "42"]
    assert complete("/msg b", candidates) == (5, ["bob "])
    assert complete("hi mary j", candidates) == (3, ["Mary Jane "])
    assert complete("hi mary", candidates) == (3, ["Mary Jane ", "Mary Ann "])
    assert complete("李", candidates) == (0, ["李小龙 "])
    assert complete("/add 4", candidates) == (5, ["42 "])
    assert complete("hi zed", candidates) is None
    assert complete("hi ", candidates) is None  # nothing typed, nothing guessed


def chat_app(state: ChatState | None = None) -> ChatApp:
    return ChatApp(Settings(user="alice"), state=state or demo_state(), clock=clock, blink=False)


def composer(app: ChatApp) -> TextArea:
    return app.screen.query_one("#composer", TextArea)


async def test_tab_completes_a_command_and_names_in_the_composer() -> None:
    app = chat_app()
    async with app.run_test(size=SIZE) as pilot:
        box = composer(app)
        box.load_text("/he")
        box.move_cursor(box.document.end)
        await pilot.press("tab")
        assert box.text == "/help " and box.has_focus
        box.load_text("/msg ca")
        box.move_cursor(box.document.end)
        await pilot.press("tab")
        assert box.text == "/msg carol " and box.cursor_location == (0, 11)


async def test_tab_again_cycles_through_the_candidates() -> None:
    app = chat_app()
    async with app.run_test(size=SIZE) as pilot:
        box = composer(app)
        box.load_text("hi d")
        box.move_cursor(box.document.end)
        await pilot.press("tab")
        assert box.text == "hi dave "
        await pilot.press("tab")
        assert box.text == "hi devs "
        await pilot.press("tab")
        assert box.text == "hi dave "
        await pilot.press("x", "tab")  # typing in between starts afresh: no name fits
        assert box.text == "hi dave x"


async def test_tab_with_no_candidate_keeps_the_text_and_the_focus() -> None:
    app = chat_app()
    async with app.run_test(size=SIZE) as pilot:
        box = composer(app)
        await pilot.press("z", "z", "z", "tab")
        assert box.text == "zzz" and box.has_focus
        box.load_text("")
        await pilot.press("tab")  # empty, Tab moves on as everywhere else
        assert not box.has_focus


async def test_in_a_group_tab_completes_members_with_spaces_and_wide_characters() -> None:
    app = chat_app(crowded_state())
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(OpenConversation(DEVS))
        await pilot.pause()
        box = composer(app)
        box.load_text("thanks mary j")
        box.move_cursor(box.document.end)
        await pilot.press("tab")
        assert box.text == "thanks Mary Jane "
        await pilot.press("ctrl+j", "李", "tab")
        assert box.text == "thanks Mary Jane \n李小龙 " and box.cursor_location == (1, 4)
