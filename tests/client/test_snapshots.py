"""Snapshots of every screen and the important states, from fixed data and a frozen clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static
from textual.widgets._toast import Toast

from chatapp.client.app import ChatApp
from chatapp.client.messages import ServerEvent
from chatapp.client.net import Connection, LinkChanged, LinkState, RequestFailed, Sendable
from chatapp.client.settings import Settings
from chatapp.client.state import ChatState
from chatapp.client.widgets.message_log import MessageLog
from chatapp.protocol import (
    Ack,
    ChatMessage,
    Errno,
    FriendInfo,
    GroupMessage,
    History,
    LoginAck,
    MsgId,
)

from .conftest import until
from .fakes import BOB, DEVS, NOW, clock, demo_state

SnapCompare = Callable[..., bool]
SIZE = (100, 30)


class RefusingConnection(Connection):
    """Connects to nothing and refuses every login, as a server would a wrong password."""

    async def connect(self) -> None:
        return None

    async def login(
        self, password: str, *, id: int | None = None, name: str | None = None
    ) -> LoginAck:
        raise RequestFailed(Errno.BAD_CREDENTIALS, "wrong name or password")


def app_with(state_link: LinkChanged | None = None, *, logged_in: bool = True) -> ChatApp:
    state = demo_state(state_link) if logged_in else None
    return ChatApp(
        Settings(user="alice"),
        state=state,
        clock=clock,
        blink=False,
        connection_factory=RefusingConnection,
    )


def test_login_with_error(snap_compare: SnapCompare) -> None:
    async def wrong_password(pilot: Pilot[None]) -> None:
        pilot.app.screen.query_one("#password", Input).value = "hunter2"
        await pilot.press("enter")
        error = pilot.app.screen.query_one("#error", Static)
        await until(lambda: "wrong" in str(error.render()).lower())
        await pilot.pause()

    assert snap_compare(app_with(logged_in=False), terminal_size=SIZE, run_before=wrong_password)


def test_main_screen(snap_compare: SnapCompare) -> None:
    assert snap_compare(app_with(), terminal_size=SIZE)


def test_main_screen_with_nothing_open(snap_compare: SnapCompare) -> None:
    app = app_with()
    app.state.active = None
    assert snap_compare(app, terminal_size=SIZE)


def test_help_screen(snap_compare: SnapCompare) -> None:
    assert snap_compare(app_with(), terminal_size=(100, 36), press=["f1"])


SIZES = pytest.mark.parametrize("size", [(120, 35), (60, 20)], ids=["120x35", "60x20"])


@SIZES
def test_main_screen_sized(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """Wide, the sidebar beside the messages; narrow (below 90 columns), only the messages."""
    assert snap_compare(app_with(), terminal_size=size)


@SIZES
def test_sidebar_toggled(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """F2 hides the sidebar where it shows, and shows it where it was hidden."""
    assert snap_compare(app_with(), terminal_size=size, press=["f2"])


@SIZES
def test_login_with_error_sized(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def wrong_password(pilot: Pilot[None]) -> None:
        pilot.app.screen.query_one("#password", Input).value = "hunter2"
        await pilot.press("enter")
        error = pilot.app.screen.query_one("#error", Static)
        await until(lambda: "wrong" in str(error.render()).lower())
        await pilot.pause()

    assert snap_compare(app_with(logged_in=False), terminal_size=size, run_before=wrong_password)


@SIZES
def test_help_screen_sized(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(app_with(), terminal_size=size, press=["f1"])


@SIZES
def test_notices_sized(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """Messages elsewhere: one notice per conversation, top right, clear of the composer."""

    async def messages(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, ChatApp)
        for mid, text in enumerate(["are you there?", "the build is red", "ping me 你好"]):
            app.post_message(ServerEvent(ChatMessage(3, "carol", 1, text, "", 100 + mid, 0)))
        app.post_message(ServerEvent(GroupMessage(2, "bob", DEVS.id, "lunch?", "", 200, 0)))
        await until(lambda: app.state.unread(DEVS) == 1)
        await until(lambda: len(app.screen.query(Toast)) == 2)
        await pilot.pause()

    assert snap_compare(app_with(), terminal_size=size, run_before=messages)


def test_reconnecting(snap_compare: SnapCompare) -> None:
    link = LinkChanged(LinkState.RECONNECTING, "the server closed the connection", 2.0, 3)
    assert snap_compare(app_with(link), terminal_size=SIZE)


def test_disconnected(snap_compare: SnapCompare) -> None:
    link = LinkChanged(LinkState.OFFLINE, "login refused: wrong name or password")
    assert snap_compare(app_with(link), terminal_size=SIZE)


TALK = [
    (2, "did you see the build failed again last night?"),
    (1, "yes, the flaky network test"),
    (2, "I think it is the reconnect backoff"),
    (1, "could be; it retries too soon after a restart"),
    (2, "jitter would help"),
    (1, "added it, 0.5 to 1 times the delay"),
    (2, "nice, and the cap?"),
    (1, "thirty seconds"),
    (2, "morning! the build is green"),
    (1, "finally"),
    (2, "shall we try the resume tokens today?"),
    (1, "yes: the password is only needed once now"),
    (2, "and messages in flight go again with their cid"),
    (1, "so a drop no longer loses anything"),
    (2, "history pages back when you scroll up"),
    (1, "like this conversation"),
]


def talk() -> list[ChatMessage]:
    """The conversation with bob as the server keeps it, oldest first, over two days."""
    chats = []
    for number, (sender, text) in enumerate(TALK):
        day = NOW.replace(hour=9) - timedelta(days=1 if number < 8 else 0)
        when = day + timedelta(minutes=3 * number)
        name = "alice" if sender == 1 else "bob"
        ts = int(when.timestamp() * 1000)
        chats.append(ChatMessage(sender, name, 3 - sender, text, "", 1000 + number, ts))
    return chats


class HistoryConnection(Connection):
    """Answers HISTORY from `talk()` in pages of ten, newest first, as the server would."""

    async def request(self, request: Sendable) -> Ack:
        assert isinstance(request, History)
        older = [c for c in talk() if request.before is None or c.mid < request.before]
        page = older[::-1][:10]
        return Ack(MsgId.HISTORY, messages=tuple(page), more=len(older) > len(page))


def test_history_loaded_to_the_beginning(snap_compare: SnapCompare) -> None:
    state = ChatState(server="127.0.0.1:6000", user_id=1, user_name="alice")
    state.link = LinkChanged(LinkState.ONLINE)
    state.add_friend(FriendInfo(2, "bob", "online"))
    app = ChatApp(Settings(user="alice"), state=state, clock=clock, blink=False)
    app.connection = HistoryConnection("127.0.0.1", 6000)

    async def open_and_scroll_up(pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+n")  # opens bob: the newest page loads
        conv = app.state.conversation(BOB)
        await until(lambda: len(conv.lines) == 10)
        await pilot.press("ctrl+home")  # at the top: the page before it
        await until(lambda: conv.paging.complete)
        await pilot.press("ctrl+home")
        log = app.screen.query_one(MessageLog)
        await until(lambda: log.scroll_y == 0)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=open_and_scroll_up)
