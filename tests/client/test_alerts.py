"""Alerts: which messages alert, the bell at most once per interval, the title's count, modes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from chatapp.client.alerts import BELL_QUIET, TITLE, AlertCount, alerting
from chatapp.client.conversation import Conversation, ConvKey, Kind, Line
from chatapp.client.settings import Settings, load, save, settings_path

BOB = ConvKey(Kind.USER, 2)
DEVS = ConvKey(Kind.GROUP, 1)
WHEN = datetime(2025, 3, 14, 15, 9)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_direct_messages_and_mentions_alert_and_nothing_else() -> None:
    dm, group = Conversation(BOB, "bob"), Conversation(DEVS, "devs")
    assert alerting(dm, Line(2, "bob", "hello", WHEN), "alice")
    assert alerting(group, Line(2, "bob", "@alice look", WHEN), "alice")
    assert not alerting(group, Line(2, "bob", "malice, look", WHEN), "alice")
    assert not alerting(group, Line(2, "bob", "hello all", WHEN), "alice")
    assert not alerting(dm, Line(1, "alice", "mine, from my phone", WHEN, own=True), "alice")


def test_a_flood_rings_once_per_interval_and_the_title_counts_it_all() -> None:
    clock = Clock()
    count = AlertCount(clock)
    assert count.title() == TITLE
    rings = [count.arrived(BOB) for _ in range(300)]
    assert rings.count(True) == 1 and rings[0]
    assert count.title() == f"(300) {TITLE}"
    clock.now += BELL_QUIET
    assert count.arrived(DEVS) and not count.arrived(DEVS)
    assert count.title() == f"(302) {TITLE}"
    count.read(BOB)
    assert count.title() == f"(2) {TITLE}"
    count.read(DEVS)
    assert count.title() == TITLE


def test_modes() -> None:
    count = AlertCount(Clock())
    count.mode = "title"
    assert not count.arrived(BOB) and count.title() == f"(1) {TITLE}"
    count.mode = "bell"
    assert count.arrived(DEVS) and count.title() == TITLE
    count.mode = "off"
    count.read(BOB)
    count.read(DEVS)
    assert not count.arrived(BOB) and count.unread == {}


def test_the_setting_is_kept(tmp_path: Path) -> None:
    path = settings_path(tmp_path)
    assert load(path).alerts == "bell+title"
    save(Settings(alerts="title"), path)
    assert load(path).alerts == "title"
