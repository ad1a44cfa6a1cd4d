"""Read markers in the model: the divider of an opened conversation, CONVERSATIONS' unread
counts, RECEIPT (our other device's, a peer's) and the sidebar's order; Alt+U."""

from __future__ import annotations

from datetime import datetime

from chatapp.client.app import ChatApp
from chatapp.client.conversation import ConvKey, Delivery, Kind
from chatapp.client.messages import OpenConversation
from chatapp.client.reading import file_conversations, file_receipt
from chatapp.client.settings import Settings
from chatapp.client.state import ChatState
from chatapp.client.widgets.message_log import MessageLog
from chatapp.protocol import (
    ChatMessage,
    ConversationInfo,
    FriendInfo,
    GroupInfo,
    GroupMessage,
    Receipt,
    UserInfo,
)

from .conftest import until
from .fakes import clock

TS = int(datetime(2025, 3, 14, 9, 0).timestamp() * 1000)
BOB = ConvKey(Kind.USER, 2)
DEVS = ConvKey(Kind.GROUP, 9)


def chat(sender: int, text: str, mid: int, to: int = 1) -> ChatMessage:
    name = {1: "alice", 2: "bob"}.get(sender, f"user{sender}")
    return ChatMessage(sender, name, to, text, "2025-03-14 09:00:00", mid, TS)


def alice() -> ChatState:
    state = ChatState(user_id=1, user_name="alice")
    state.add_friend(FriendInfo(2, "bob", "online"))
    state.add_friend(FriendInfo(3, "carol", "online"))
    state.add_group(GroupInfo(9, "devs", ""))
    state.add_group(GroupInfo(8, "art", ""))
    return state


def listed(key: ConvKey, read: int, unread: int, last: int) -> ConversationInfo:
    if key.kind is Kind.GROUP:
        message = GroupMessage(2, "bob", key.id, "hi", "", last, TS)
        return ConversationInfo(None, UserInfo(key.id, "devs"), message, read, unread)
    return ConversationInfo(
        UserInfo(key.id, f"user{key.id}"), None, chat(key.id, "hi", last), read, unread
    )


def test_the_divider_sits_above_the_first_message_after_the_read_marker() -> None:
    state = alice()
    file_conversations(state, [listed(BOB, read=101, unread=2, last=104)])
    state.add_history(BOB, [chat(2, "new", 104), chat(1, "mine", 103), chat(2, "n", 102)], True)
    state.add_history(BOB, [chat(2, "old", 101), chat(2, "older", 100)], True)
    conv = state.open(BOB)
    assert conv.unread == 0
    assert conv.divider() == 102
    state.receive(chat(2, "live", 105))  # open: read as it comes, the divider stays
    state.open(BOB)  # picked again while open
    assert conv.divider() == 102
    state.open(DEVS)
    state.open(BOB)  # all was read: the divider went
    assert conv.divider() == 0


def test_without_a_known_marker_the_divider_counts_back_the_unread_once_history_is_in() -> None:
    state = alice()
    for mid in (10, 11, 12):
        state.receive(chat(2, f"m{mid}", mid))
    conv = state.conversations[BOB]
    conv.unread = 2  # what arrived while away, say: the last two
    state.open(BOB)
    conv.paging.loading = True  # the history asked for is on its way: no guess yet
    assert conv.divider() == 0
    state.add_history(BOB, [chat(2, "m9", 9)], more=False)
    assert conv.divider() == 11


def test_conversations_at_login_give_unread_counts_markers_and_names() -> None:
    state = alice()
    state.receive(chat(2, "offline one", 50))  # counted once by the login, once by the server
    stranger = ConvKey(Kind.USER, 7)
    state.open(ConvKey(Kind.USER, 3))
    page = [
        listed(BOB, read=40, unread=3, last=50),
        listed(stranger, read=0, unread=1, last=45),
        listed(ConvKey(Kind.USER, 3), read=0, unread=4, last=30),
        listed(DEVS, read=10, unread=99, last=20),
    ]
    file_conversations(state, page)
    assert state.unread(BOB) == 3
    assert state.conversations[BOB].read == 40
    assert state.unread(stranger) == 1
    assert state.conversations[stranger].title == "user7"
    assert state.unread(ConvKey(Kind.USER, 3)) == 0  # open here: being read
    assert state.unread(DEVS) == 99


def test_the_latest_conversations_at_login_come_first_in_each_section() -> None:
    state = alice()
    stranger, other = ConvKey(Kind.USER, 7), ConvKey(Kind.USER, 6)
    page = [
        listed(ConvKey(Kind.USER, 3), read=0, unread=0, last=90),
        listed(DEVS, read=0, unread=0, last=80),
        listed(other, read=0, unread=0, last=70),
        listed(stranger, read=0, unread=0, last=75),
    ]
    file_conversations(state, page)
    rows = [(e.section, e.title) for e in state.entries()]
    assert rows == [
        ("Friends", "carol"),
        ("Friends", "bob"),
        ("People", "user7"),
        ("People", "user6"),
        ("Groups", "devs"),
        ("Groups", "art"),
    ]


def test_our_other_device_reading_clears_the_unread_count_and_the_divider() -> None:
    state = alice()
    for mid in (10, 11, 12):
        state.receive(chat(2, f"m{mid}", mid))
    conv = state.conversations[BOB]
    assert conv.unread == 3
    assert file_receipt(state, Receipt(11, peer=2, own=True)) is conv
    assert (conv.unread, conv.read) == (1, 11)
    file_receipt(state, Receipt(12, peer=2, own=True))
    assert conv.unread == 0
    group = state.conversation(DEVS)
    group.unread = 5
    assert file_receipt(state, Receipt(30, groupid=9, own=True)) is group
    assert group.unread == 0
    # Opened here with its divider, then read on the other device: the divider goes.
    state.receive(chat(2, "m13", 13))
    state.open(BOB)
    assert conv.divider() == 13
    file_receipt(state, Receipt(13, peer=2, own=True))
    assert (conv.divider(), conv.unread) == (0, 0)


def test_the_peer_reading_marks_our_lines_seen_up_to_their_marker() -> None:
    state = alice()
    state.receive(chat(1, "first", 10, to=2))
    state.receive(chat(1, "second", 12, to=2))
    state.receive(chat(2, "reply", 11))
    conv = state.conversations[BOB]
    assert file_receipt(state, Receipt(10, peer=2)) is conv
    assert [(line.text, line.seen) for line in conv.lines] == [
        ("first", True),
        ("reply", False),
        ("second", False),
    ]
    # One still on its way when they read further is seen as soon as it has its mid.
    line = state.add_own(BOB, "third", datetime(2025, 3, 14, 9, 1))
    file_receipt(state, Receipt(20, peer=2))
    assert not line.seen
    state.set_delivery(line.serial, Delivery.SENT, mid=15)
    assert [ln.seen for ln in conv.lines] == [True, False, True, True]
    assert file_receipt(state, Receipt(30, peer=44)) is None  # nobody known here


def test_a_group_line_is_seen_once_a_member_has_read_it() -> None:
    state = alice()
    state.receive(GroupMessage(1, "alice", 9, "standup?", "", 40, TS))
    state.receive(GroupMessage(1, "alice", 9, "in five", "", 41, TS))
    conv = state.conversations[DEVS]
    assert file_receipt(state, Receipt(40, groupid=9, count=0)) is None  # none who show it
    assert file_receipt(state, Receipt(40, groupid=9, count=1)) is conv
    assert [line.seen for line in conv.lines] == [True, False]
    assert file_receipt(state, Receipt(40, groupid=8, count=1)) is None  # not listed here


async def test_alt_u_scrolls_the_divider_to_the_top_and_says_where_there_is_none() -> None:
    state = alice()
    page = [chat(2, f"message {mid}", mid) for mid in range(139, 99, -1)]
    state.add_history(BOB, page, more=False)
    conv = state.conversations[BOB]
    conv.read, conv.unread = 110, 29
    state.open(BOB)
    app = ChatApp(Settings(user="alice"), state=state, clock=clock, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(MessageLog)
        assert "message 139" in log.render_line(log.size.height - 1).text  # at the newest
        await pilot.press("alt+u")
        await pilot.pause()
        assert "new messages" in log.render_line(0).text
        assert "message 111" in log.render_line(1).text
        app.post_message(OpenConversation(DEVS))
        await until(lambda: state.active == DEVS)
        await pilot.press("alt+u")
        await until(lambda: any("No new messages" in n.message for n in app._notifications))


def test_our_own_message_from_another_device_is_not_unread() -> None:
    state = alice()
    state.receive(chat(1, "sent from the phone", 60, to=2))
    state.receive(chat(2, "reply", 61))
    assert state.unread(BOB) == 1  # as the server counts: messages of others
