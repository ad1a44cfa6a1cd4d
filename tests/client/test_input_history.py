"""The input history: per conversation, bounded, written atomically, and back after a restart."""

from __future__ import annotations

import json
from pathlib import Path

from chatapp.client import history
from chatapp.client.app import ChatApp
from chatapp.client.history import InputHistory, history_path
from chatapp.client.messages import OpenConversation
from chatapp.client.settings import Settings
from chatapp.client.widgets.composer import Composer

from .fakes import BOB, DEVS, clock, demo_state

SIZE = (100, 30)


def test_lines_are_kept_per_conversation_and_saved(tmp_path: Path) -> None:
    path = tmp_path / "dir" / "input-history.json"
    kept = InputHistory(path)
    kept.add("1/user-2", "hello bob")
    kept.add("1/group-1", "hello devs")
    kept.add("1/user-2", "hello bob")  # not twice in a row
    again = InputHistory.load(path)
    assert again.lines("1/user-2") == ["hello bob"]
    assert again.lines("1/group-1") == ["hello devs"]
    assert again.lines("1/user-3") == []
    assert [p.name for p in path.parent.iterdir()] == ["input-history.json"]  # no temporaries


def test_the_history_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "input-history.json"
    kept = InputHistory(path)
    for n in range(history.PER_CONVERSATION + 5):
        kept.add("first", f"line {n}")
    assert kept.lines("first")[0] == "line 5" and len(kept.lines("first")) == 100
    for n in range(history.CONVERSATIONS - 1):  # with "first", as many as are kept
        kept.add(f"c{n}", "x")
    kept.add("first", "latest")  # used again, it outlives the conversations after it
    kept.add("c-new", "x")
    loaded = InputHistory.load(path)
    assert loaded.lines("first")[-2:] == ["line 104", "latest"]
    assert loaded.lines("c0") == [] and loaded.lines("c1") == ["x"]
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data["conversations"]) == history.CONVERSATIONS


def test_a_damaged_file_is_an_empty_history(tmp_path: Path) -> None:
    path = tmp_path / "input-history.json"
    path.write_text("{not json", encoding="utf-8")
    assert InputHistory.load(path).lines("1/user-2") == []
    path.write_text('{"conversations": {"k": ["ok", 3, null]}}', encoding="utf-8")
    assert InputHistory.load(path).lines("k") == ["ok"]


def test_very_long_lines_are_not_written_down(tmp_path: Path) -> None:
    path = tmp_path / "input-history.json"
    kept = InputHistory(path)
    kept.add("k", "short")
    kept.add("k", "x" * (history.LONGEST + 1))
    assert len(kept.lines("k")) == 2
    assert InputHistory.load(path).lines("k") == ["short"]


def chat_app() -> ChatApp:
    return ChatApp(Settings(user="alice"), state=demo_state(), clock=clock, blink=False)


async def send(app: ChatApp, text: str) -> None:
    box = app.screen.query_one(Composer)
    box.value = text
    box.post_message(Composer.Submitted(box, text))


async def test_up_recalls_what_was_sent_in_the_open_conversation_only() -> None:
    app = chat_app()
    async with app.run_test(size=SIZE) as pilot:
        box = app.screen.query_one(Composer)
        await send(app, "to bob")
        await pilot.pause()
        app.post_message(OpenConversation(DEVS))
        await pilot.pause()
        await pilot.press("up")
        assert box.text == ""  # nothing was sent in devs
        await send(app, "to devs")
        await pilot.pause()
        app.post_message(OpenConversation(BOB))
        await pilot.pause()
        await pilot.press("up")
        assert box.text == "to bob"
        await pilot.press("up")
        assert box.text == "to bob"  # the oldest: devs' line is not among bob's


async def test_the_history_survives_a_restart(data_home: Path) -> None:
    first = chat_app()
    async with first.run_test(size=SIZE) as pilot:
        await send(first, "before the restart")
        await pilot.pause()
    assert history_path().is_relative_to(data_home)
    assert "before the restart" in history_path().read_text(encoding="utf-8")
    second = chat_app()
    async with second.run_test(size=SIZE) as pilot:
        box = second.screen.query_one(Composer)
        await pilot.press("up")
        assert box.text == "before the restart"
        box.value = ""
        second.post_message(OpenConversation(DEVS))
        await pilot.pause()
        await pilot.press("up")
        assert box.text == ""  # bob's line is not devs'
