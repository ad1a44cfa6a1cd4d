"""Snapshots of reading: the "new messages" divider of a conversation opened with unread
messages, and our lines the peer has read (✓✓), wide and narrow."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from chatapp.client.app import ChatApp
from chatapp.client.conversation import ConvKey, Kind
from chatapp.client.messages import ReceiptCame
from chatapp.client.settings import Settings
from chatapp.client.state import ChatState
from chatapp.client.widgets.message_log import MessageLog
from chatapp.protocol import ChatMessage, FriendInfo, GroupInfo, Receipt

from .conftest import until
from .fakes import clock
from .test_snapshots import RefusingConnection

SnapCompare = Callable[..., bool]
SIZES = pytest.mark.parametrize("size", [(120, 35), (60, 20)], ids=["120x35", "60x20"])
BOB = ConvKey(Kind.USER, 2)
TALK = (
    (100, 2, "09:02", "did the deploy go out?"),
    (101, 1, "09:05", "yes, around nine"),
    (102, 1, "09:06", "with the fix for the unread counters"),
    (103, 2, "09:10", "great, trying it now"),
    (104, 2, "09:31", "found one thing: the badge stays after reading on the phone"),
    (105, 2, "09:32", "can you look before lunch?"),
)


def reading_state() -> ChatState:
    """alice has read bob's messages up to 103 (her marker); 104 and 105 came since."""
    state = ChatState(server="127.0.0.1:6000", user_id=1, user_name="alice")
    state.add_friend(FriendInfo(2, "bob", "online"))
    state.add_friend(FriendInfo(3, "carol", "offline"))
    state.add_group(GroupInfo(1, "devs", "build talk"))
    names = {1: "alice", 2: "bob"}
    page = [
        ChatMessage(sender, names[sender], 3 - sender, text, f"2025-03-14 {at}:00", mid, 0)
        for mid, sender, at, text in reversed(TALK)
    ]
    state.add_history(BOB, page, more=False)
    conv = state.conversation(BOB)
    conv.read, conv.unread = 103, 2
    state.open(BOB)
    return state


def app_reading() -> ChatApp:
    return ChatApp(
        Settings(user="alice"),
        state=reading_state(),
        clock=clock,
        blink=False,
        connection_factory=RefusingConnection,
    )


@SIZES
def test_new_messages_divider(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """Opened with two unread: the divider sits above the first of them."""
    assert snap_compare(app_reading(), terminal_size=size)


@SIZES
def test_read_by_the_peer(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """bob read up to his 103: our two lines before it are marked ✓✓."""

    async def receipt(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, ChatApp)
        app.post_message(ReceiptCame(Receipt(103, peer=2)))
        log = app.screen.query_one(MessageLog)
        await until(lambda: any("✓✓" in log.render_line(y).text for y in range(log.size.height)))
        await pilot.pause()

    assert snap_compare(app_reading(), terminal_size=size, run_before=receipt)
