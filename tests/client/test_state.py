"""ChatState: logins, incoming and own messages, unread counts, presence and the sidebar rows."""

from __future__ import annotations

import itertools
from datetime import datetime

from chatapp.client.conversation import ConvKey, Delivery, Kind
from chatapp.client.roster import chat_time
from chatapp.client.state import ChatState
from chatapp.protocol import (
    ChatMessage,
    FriendInfo,
    GroupInfo,
    GroupMessage,
    LoginAck,
    Presence,
)

from .fakes import BOB, CAROL, DEVS, RANDOM, demo_state

TS = int(datetime(2025, 3, 14, 9, 0).timestamp() * 1000)


MIDS = itertools.count(1000)


def chat(sender: int, name: str, to: int, text: str, mid: int = 0) -> ChatMessage:
    """A one-to-one chat with the next mid, unless one is given."""
    return ChatMessage(sender, name, to, text, "2025-03-14 09:00:00", mid or next(MIDS), TS)


def test_login_files_offline_messages_as_unread() -> None:
    state = ChatState()
    ack = LoginAck(
        id=1,
        name="alice",
        friends=(FriendInfo(2, "bob", "online"),),
        groups=(GroupInfo(9, "devs", ""),),
        offlinemsg=(
            chat(2, "bob", 1, "one"),
            chat(5, "eve", 1, "stranger"),
            GroupMessage(2, "bob", 9, "in group", "", 2, TS),
        ),
    )
    arrivals = state.apply_login(ack)
    assert len(arrivals) == 3
    assert state.unread(BOB) == 1
    assert state.conversations[ConvKey(Kind.USER, 5)].title == "eve"
    assert state.unread(ConvKey(Kind.GROUP, 9)) == 1
    assert [(e.section, e.title, e.unread) for e in state.entries()] == [
        ("Friends", "bob", 1),
        ("People", "eve", 1),
        ("Groups", "devs", 1),
    ]


def test_relogin_keeps_history_and_another_user_starts_afresh() -> None:
    state = demo_state()
    lines = len(state.conversations[BOB].lines)
    state.apply_login(LoginAck(id=1, name="alice", friends=(FriendInfo(2, "bob"),)))
    assert len(state.conversations[BOB].lines) == lines
    state.apply_login(LoginAck(id=7, name="zed"))
    assert state.conversations == {} and state.user_name == "zed"
    assert state.server == "127.0.0.1:6000"


def test_open_conversation_takes_no_unread() -> None:
    state = demo_state()
    state.receive(chat(2, "bob", 1, "while open"))
    assert state.unread(BOB) == 0
    state.open(CAROL)
    assert state.unread(CAROL) == 0
    state.receive(chat(2, "bob", 1, "while away"))
    assert state.unread(BOB) == 1


def test_own_messages_move_from_pending_to_sent_or_failed() -> None:
    state = demo_state()
    line = state.add_own(DEVS, "hi all", datetime(2025, 3, 14))
    assert (line.own, line.delivery, line.sender) == (True, Delivery.PENDING, "alice")
    settled = state.set_delivery(line.serial, Delivery.FAILED, "not sent: gone")
    assert settled is not None and settled[1] is line and not settled[2]
    assert (line.delivery, line.note) == (Delivery.FAILED, "not sent: gone")
    assert state.set_delivery(line.serial, Delivery.SENT) is None  # settled already


def test_a_message_that_comes_again_is_shown_once_and_counted_once() -> None:
    state = demo_state()
    state.open(CAROL)
    first = chat(2, "bob", 1, "hello", mid=50)
    assert state.receive(first) is not None
    again = chat(2, "bob", 1, "hello", mid=50)  # say, in the next login's offlinemsg
    assert state.receive(again) is None
    assert state.apply_login(LoginAck(id=1, name="alice", offlinemsg=(again,))) == []
    texts = [line.text for line in state.conversations[BOB].lines]
    assert texts.count("hello") == 1 and state.unread(BOB) == 1


def test_history_merges_with_what_is_shown_by_mid() -> None:
    state = ChatState(user_id=1, user_name="alice")
    state.open(BOB)
    state.receive(chat(2, "bob", 1, "live", mid=30))
    pending = state.add_own(BOB, "typing…", datetime(2025, 3, 14))
    page = [chat(2, "bob", 1, "live", mid=30), chat(1, "alice", 2, "mine", mid=20)]
    page.append(chat(2, "bob", 1, "old", mid=10))
    conv = state.add_history(BOB, page, more=True)
    assert [(line.text, line.mid) for line in conv.lines] == [
        ("old", 10),
        ("mine", 20),
        ("live", 30),
        ("typing…", 0),  # ours, waiting for its mid, stays last
    ]
    assert conv.lines[1].own and conv.lines[1].delivery is Delivery.SENT
    assert (conv.paging.before, conv.paging.complete, conv.unread) == (10, False, 0)
    conv = state.add_history(BOB, [chat(2, "bob", 1, "first", mid=5)], more=False)
    assert (conv.lines[0].text, conv.paging.before, conv.paging.complete) == ("first", 5, True)
    assert conv.lines[-1] is pending


def test_own_message_takes_its_place_by_mid_or_yields_to_a_copy() -> None:
    state = ChatState(user_id=1, user_name="alice")
    state.open(BOB)
    early = state.add_own(BOB, "early", datetime(2025, 3, 14))
    late = state.add_own(BOB, "late", datetime(2025, 3, 14))
    state.receive(chat(2, "bob", 1, "overtaken", mid=40))
    assert [line.text for line in state.conversations[BOB].lines] == [
        "overtaken",
        "early",
        "late",
    ]
    settled = state.set_delivery(early.serial, Delivery.SENT, mid=35)  # logged before bob's
    assert settled is not None and settled[2]  # it moved
    assert [line.text for line in settled[0].lines] == ["early", "overtaken", "late"]
    state.add_history(BOB, [chat(1, "alice", 2, "late", mid=45)], more=True)
    settled = state.set_delivery(late.serial, Delivery.SENT, mid=45)  # history was first
    assert settled is not None and settled[2]
    lines = settled[0].lines
    assert [line.text for line in lines] == ["early", "overtaken", "late"]
    assert lines[-1] is not late and lines[-1].mid == 45


def test_presence_and_sidebar_order() -> None:
    state = demo_state()
    state.presence(Presence(3, "carol", "online"))
    entries = state.entries()
    assert [e.title for e in entries] == ["bob", "carol", "dave", "devs", "random"]
    assert [e.online for e in entries][:3] == [True, True, True]
    assert next(e for e in entries if e.key == RANDOM).unread == 5


def test_chat_time_prefers_the_epoch_stamp() -> None:
    assert chat_time(chat(2, "bob", 1, "x")) == datetime(2025, 3, 14, 9, 0)
    untimed = ChatMessage(2, "bob", 1, "x", "2024-01-02 03:04:05", 1, 0)
    assert chat_time(untimed) == datetime(2024, 1, 2, 3, 4, 5)


def test_a_strangers_conversation_takes_the_name_their_messages_carry() -> None:
    state = demo_state()
    eve = ConvKey(Kind.USER, 5)
    state.open(eve)
    assert state.title(eve) == "user 5" and state.title_wanted(eve)
    state.add_history(eve, [chat(1, "alice", 5, "hello?"), chat(5, "eve", 1, "hi")], more=False)
    assert state.conversations[eve].title == "eve" and not state.title_wanted(eve)
    assert ("People", "eve") in [(e.section, e.title) for e in state.entries()]
    state.add_friend(FriendInfo(5, "eve the friend"))
    state.receive(chat(5, "eve", 1, "again"))
    assert state.conversations[eve].title == "eve the friend"  # a friend's name wins


def test_close_forgets_the_open_conversation_and_its_pending_lines() -> None:
    state = demo_state()
    eve = ConvKey(Kind.USER, 5)
    state.open(eve)
    line = state.add_own(eve, "anyone?", datetime(2025, 3, 14))
    closed = state.close()
    assert closed is not None and closed.key == eve
    assert state.active is None and eve not in state.conversations
    assert state.set_delivery(line.serial, Delivery.FAILED, "no such user") is None
    assert [e.title for e in state.entries() if e.section == "People"] == []
    assert state.close() is None  # nothing open
    state.open(BOB)
    state.close()
    assert BOB not in state.conversations
    assert "bob" in [e.title for e in state.entries()]  # a friend stays listed
