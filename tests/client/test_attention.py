"""Typing notices, the user's other devices and plain reasons, without a server."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from chatapp.client import cli, history
from chatapp.client.app import ChatApp
from chatapp.client.attention import device_notice
from chatapp.client.conversation import ConvKey, Kind
from chatapp.client.history import InputHistory
from chatapp.client.net import Connection, Disconnected, RequestFailed
from chatapp.client.settings import Settings
from chatapp.client.social import device_list
from chatapp.client.state import ChatState
from chatapp.client.typists import LASTS, SENT_EVERY, Throttle, Typists, request
from chatapp.client.wording import field_to_fix, log_in_again, reason
from chatapp.protocol import (
    ChatMessage,
    DeviceEvent,
    DeviceInfo,
    Errno,
    Typing,
    TypingNotice,
    UserInfo,
)

from .conftest import until

ME = 1
BOB = ConvKey(Kind.USER, 2)
DEVS = ConvKey(Kind.GROUP, 7)


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def typing(user_id: int, name: str, groupid: int | None = None) -> TypingNotice:
    peer = None if groupid is not None else user_id
    return TypingNotice(UserInfo(user_id, name), peer=peer, groupid=groupid)


def test_others_typing_reads_as_a_sentence_and_runs_out() -> None:
    clock = Clock()
    typists = Typists(clock)
    assert typists.heard(typing(2, "bob"), ME) == BOB
    assert typists.line(BOB) == "bob is typing…"
    assert typists.line(DEVS) == "" and typists.line(None) == ""
    typists.heard(typing(2, "bob", 7), ME)
    assert typists.line(DEVS) == "bob is typing…"
    typists.heard(typing(3, "carol", 7), ME)
    assert typists.line(DEVS) == "bob and carol are typing…"
    clock.now += 1
    typists.heard(typing(4, "dave", 7), ME)
    assert typists.line(DEVS) == "3 people are typing…"
    clock.now += LASTS - 0.5  # bob and carol's notices ran out; dave's not yet
    assert typists.line(DEVS) == "dave is typing…"
    assert typists.line(BOB) == ""
    typists.heard(typing(4, "dave", 7), ME)  # renewed
    clock.now += LASTS - 0.5
    assert typists.line(DEVS) == "dave is typing…"


def test_our_own_devices_typing_is_no_news() -> None:
    typists = Typists(Clock())
    assert typists.heard(typing(ME, "alice", 7), ME) is None
    assert typists.line(DEVS) == ""


def test_a_message_from_a_typist_ends_their_typing() -> None:
    typists = Typists(Clock())
    typists.heard(typing(2, "bob", 7), ME)
    typists.heard(typing(3, "carol", 7), ME)
    assert typists.stopped(DEVS, 2)
    assert not typists.stopped(DEVS, 2) and not typists.stopped(BOB, 3)
    assert typists.line(DEVS) == "carol is typing…"


def test_long_names_are_cut_to_fit_a_narrow_screen() -> None:
    typists = Typists(Clock())
    typists.heard(typing(2, "b" * 40), ME)
    assert typists.line(BOB) == "b" * 19 + "… is typing…"


def test_our_notices_go_at_the_start_and_every_few_seconds_within_the_rate() -> None:
    clock = Clock()
    throttle = Throttle(clock)
    assert throttle.due(BOB)
    assert not throttle.due(BOB)  # every keystroke after: nothing
    clock.now += 1
    assert not throttle.due(DEVS)  # elsewhere too soon after: the server's 0.5 a second
    clock.now += 1
    assert throttle.due(DEVS)
    clock.now += SENT_EVERY - 1
    assert throttle.due(BOB)
    clock.now += 2
    throttle.stopped(BOB)  # sent: typing again is a new start
    assert throttle.due(BOB)
    assert request(BOB) == Typing(peer=2) and request(DEVS) == Typing(groupid=7)


def test_device_events_are_plain_notices() -> None:
    phone = DeviceInfo(9, "phone", address="198.51.100.2")
    assert device_notice(DeviceEvent("added", phone)) == (
        "Your account logged in on phone (198.51.100.2)"
    )
    assert device_notice(DeviceEvent("added", DeviceInfo(9, "phone"))) == (
        "Your account logged in on phone"
    )
    assert device_notice(DeviceEvent("ended", phone)) == "Device phone was logged out"
    ended = DeviceEvent("ended", DeviceInfo(9, ""))  # as the server tells it
    assert device_notice(ended) == "Device 9 was logged out"


def test_devices_are_a_readable_list_this_one_first() -> None:
    shown = device_list(
        [
            DeviceInfo(9, "phone", seen=0, address="198.51.100.2"),
            DeviceInfo(3, "desk", seen=1_796_288_000_000, online=True, address="203.0.113.7"),
            DeviceInfo(7, "laptop", online=True, current=True, address="127.0.0.1"),
        ]
    )
    assert shown.splitlines() == [
        "Your devices (/logout-device <id> ends one):",
        "• this device: laptop (id 7), online now from 127.0.0.1",
        "• desk (id 3), online now from 203.0.113.7",
        "• phone (id 9), never seen from 198.51.100.2",
    ]
    assert device_list([]) == "No devices"


def test_a_chat_of_ours_from_elsewhere_is_labelled() -> None:
    state = ChatState(user_id=ME, user_name="alice")
    carbon = ChatMessage(ME, "alice", 2, "sent from my phone", "", 500, 0)
    arrival = state.receive(carbon)
    assert arrival is not None
    conv, line = arrival
    assert conv.key == BOB and line.own and line.note == "from another device"
    assert conv.unread == 0  # ours: nothing unread in a conversation not open
    _, theirs = state.receive(ChatMessage(2, "bob", ME, "hi", "", 501, 0)) or (None, None)
    assert theirs is not None and theirs.note == ""


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("this device logged in again from elsewhere", "this device logged in again somewhere"),
        ("this device was ended from another of your devices", "logged out from another of"),
        ("the server's operator ended this session", "the server's operator ended"),
        ("login refused: wrong name or password", "no longer takes this device's saved login"),
        ("cannot reach 127.0.0.1:6000: [Errno 111] Connect call failed", "cannot be reached"),
        ("connection lost: [Errno 104] Connection reset by peer", "the connection was lost"),
        ("no answer to PING", "the server stopped answering"),
    ],
)
def test_reasons_are_plain_words(raw: str, words: str) -> None:
    assert words in reason(raw)
    assert "Errno" not in reason(raw) and "PING" not in reason(raw)


def test_log_in_again_says_why_in_a_sentence() -> None:
    said = log_in_again("this device was ended from another of your devices")
    assert said == "Please log in again: this device was logged out from another of yours."
    assert log_in_again("") == "Please log in again."
    assert reason("something new") == "something new"


def test_a_failed_login_points_at_the_field_to_fix() -> None:
    assert field_to_fix(RequestFailed(Errno.BAD_CREDENTIALS, "")) == "password"
    assert field_to_fix(RequestFailed(Errno.NAME_TAKEN, "")) == "user"
    assert field_to_fix(Disconnected("cannot reach x")) == "server"


def test_the_input_history_file_is_private_and_bounded(tmp_path: Path) -> None:
    path = tmp_path / "data" / "input-history.json"
    kept = InputHistory(path)
    kept.add("1/user-2", "secret plans")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    line = "x" * history.LONGEST
    per = history.PER_CONVERSATION
    for n in range(4):  # each conversation alone 409,600 characters
        for _ in range(per):
            kept.lines(f"1/user-{n + 10}").append(line)
        kept.add(f"1/user-{n + 10}", "")
    assert path.stat().st_size < history.MOST_CHARS + 10_000
    again = InputHistory.load(path)
    assert again.lines("1/user-13") == [line] * per  # the newest kept, the oldest let go
    assert again.lines("1/user-2") == []


def test_the_input_history_lives_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[ChatApp] = []
    monkeypatch.setattr(ChatApp, "run", lambda app: made.append(app))  # noqa: PLW0108 (a method)
    cli.main(["--data-dir", str(tmp_path / "data"), "--config-dir", str(tmp_path / "c")])
    (app,) = made
    assert app.history is not None
    assert app.history.path == tmp_path / "data" / "input-history.json"


class Unreachable(Connection):
    """A server that cannot be reached, as a wrong address gives."""

    async def connect(self) -> None:
        raise Disconnected("cannot reach nowhere:6000: [Errno -2] Name or service not known")


async def test_an_unreachable_server_puts_the_focus_on_its_address() -> None:
    app = ChatApp(Settings(user="alice"), connection_factory=Unreachable, blink=False)
    async with app.run_test(size=(60, 20)) as pilot:
        screen = app.screen
        screen.query_one("#password", Input).value = "secret"
        screen.query_one("#password", Input).focus()
        await pilot.press("enter")
        error = screen.query_one("#error", Static)
        await until(lambda: "reached" in str(error.render()))
        assert str(error.render()) == "The server at nowhere:6000 cannot be reached."
        assert screen.focused is screen.query_one("#server", Input)
        assert screen.query_one("#password", Input).value == "secret"  # nothing to retype
