"""Widgets alone: the message log with thousands of lines, and the composer's history."""

from __future__ import annotations

import time
from datetime import timedelta

from textual.app import App, ComposeResult

from chatapp.client.conversation import Delivery, Line
from chatapp.client.widgets.composer import Composer
from chatapp.client.widgets.message_log import Banner, MessageLog

from .fakes import NOW


class LogApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.tops = 0

    def compose(self) -> ComposeResult:
        yield MessageLog()
        yield Composer()

    def on_message_log_top_reached(self) -> None:
        self.tops += 1


def many(count: int, first: int = 0) -> list[Line]:
    start = NOW - timedelta(minutes=count)
    return [
        Line(i % 7, f"user{i % 7}", f"message number {i}", start + timedelta(minutes=i), mid=i + 1)
        for i in range(first, first + count)
    ]


async def test_thousands_of_messages_stay_cheap() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.query_one(MessageLog)
        started = time.perf_counter()
        log.show(many(20_000))
        for line in many(500):
            log.append(line)
        await pilot.pause()
        elapsed = time.perf_counter() - started
        assert log.message_count == 20_500
        assert log.is_vertical_scroll_end  # following the newest
        assert len(log._cache) <= 24  # only what is on screen was rendered
        assert elapsed < 5.0, f"took {elapsed:.2f}s"


async def test_delivery_change_redraws_and_relayouts() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.query_one(MessageLog)
        own = Line(1, "alice", "short", NOW, own=True, delivery=Delivery.PENDING)
        log.show([own])
        await pilot.pause()
        height = log.virtual_size.height
        own.delivery, own.note = Delivery.FAILED, "not sent: connection lost"
        log.update_line(own)
        await pilot.pause()
        assert log.virtual_size.height == height + 1  # the reason goes on a line of its own
        assert "✗" in "".join(s.text for s in log.render_line(1))


async def test_composer_history_walks_back_and_keeps_the_draft() -> None:
    app = LogApp()
    async with app.run_test() as pilot:
        composer = app.query_one(Composer)
        composer.focus()
        for line in ("first", "second"):
            composer.remember(line)
        composer.value = "draft"
        await pilot.press("up")
        assert composer.value == "second"
        await pilot.press("up", "up")
        assert composer.value == "first"
        await pilot.press("down", "down")
        assert composer.value == "draft"


def row_of(log: MessageLog, line: Line) -> int:
    """Where `line` is on screen: rows below the top of the view."""
    return log._offsets[log._items.index(line)] - round(log.scroll_y)


async def test_older_messages_above_keep_the_view_on_the_same_message() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.query_one(MessageLog)
        log.focus()
        newer = many(100, first=100)
        log.show(newer, header="PageUp for older messages")
        await pilot.pause()
        await pilot.press("home")  # scrolled to the top: that asks for more
        await pilot.pause()
        assert log.scroll_y == 0 and app.tops == 1
        assert isinstance(log._items[0], Banner)
        row = row_of(log, newer[0])
        log.replace(newer, "loading older messages…")
        assert log.header == "loading older messages…" and app.tops == 1
        log.replace(many(100) + newer, "beginning of conversation")
        await pilot.pause()
        assert log.scroll_y == 100 and row_of(log, newer[0]) == row  # it stays where it was
        assert app.tops == 1
        await pilot.press("home")
        await pilot.pause()
        assert log.scroll_y == 0 and app.tops == 2
        assert "beginning of conversation" in "".join(s.text for s in log.render_line(0))


async def test_page_up_at_the_top_of_a_short_log_asks_for_more() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.query_one(MessageLog)
        log.focus()
        log.show(many(3), header="PageUp for older messages")
        await pilot.press("pageup")
        await pilot.pause()
        assert app.tops == 1
        log.show(many(3, first=50))  # another conversation: not the reader's doing
        await pilot.pause()
        assert app.tops == 1
