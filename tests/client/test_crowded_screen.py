"""The main screen with thousands of friends: a presence or a message redraws one row in
place, a new conversation the whole list, and a burst of messages raises one toast."""

from __future__ import annotations

from chatapp.client.app import ChatApp
from chatapp.client.conversation import ConvKey, Kind
from chatapp.client.messages import ServerEvent
from chatapp.client.settings import Settings
from chatapp.client.state import ChatState
from chatapp.client.widgets.sidebar import Row, Sidebar
from chatapp.protocol import ChatMessage, FriendInfo, Presence

from .conftest import until
from .fakes import clock

FRIENDS = 5000


def crowded() -> ChatState:
    state = ChatState(server="127.0.0.1:6000", user_id=1, user_name="crowded")
    for n in range(2, FRIENDS + 2):
        state.add_friend(FriendInfo(n, f"fan{n}", "offline"))
    return state


def row(sidebar: Sidebar, key: ConvKey) -> Row:
    prompt = sidebar.get_option(str(key)).prompt
    assert isinstance(prompt, Row)
    return prompt


def chat(sender: int, text: str, mid: int) -> ChatMessage:
    return ChatMessage(sender, f"fan{sender}", 1, text, "2025-03-14 09:00:00", mid, 0)


async def test_a_presence_or_a_message_redraws_one_row_of_thousands_in_place() -> None:
    app = ChatApp(Settings(user="crowded"), state=crowded(), clock=clock, blink=False)
    async with app.run_test(size=(120, 35)) as pilot:
        sidebar = app.screen.query_one(Sidebar)
        assert sidebar.option_count == FRIENDS + 1  # and the FRIENDS heading
        other = sidebar.get_option(str(ConvKey(Kind.USER, 9)))
        app.post_message(ServerEvent(Presence(7, "fan7", "online")))
        await until(lambda: row(sidebar, ConvKey(Kind.USER, 7)).marker.plain == "●")
        app.post_message(ServerEvent(chat(8, "hello", 100)))
        await until(lambda: row(sidebar, ConvKey(Kind.USER, 8)).badge.plain.strip() == "1")
        assert sidebar.get_option(str(ConvKey(Kind.USER, 9))) is other  # not rebuilt
        # Someone who is not a friend: a new row, under PEOPLE.
        app.post_message(ServerEvent(chat(FRIENDS + 10, "who am i", 101)))
        await until(lambda: sidebar.option_count == FRIENDS + 3)
        await pilot.pause()
        assert row(sidebar, ConvKey(Kind.USER, FRIENDS + 10)).title.plain == f"fan{FRIENDS + 10}"


async def test_a_burst_of_messages_from_one_friend_raises_one_toast() -> None:
    app = ChatApp(Settings(user="crowded"), state=crowded(), clock=clock, blink=False)
    async with app.run_test(size=(120, 35)) as pilot:
        for mid in range(200):
            app.post_message(ServerEvent(chat(8, f"backlog {mid}", 1000 + mid)))
        app.post_message(ServerEvent(chat(9, "another friend", 2000)))
        await until(lambda: app.state.unread(ConvKey(Kind.USER, 9)) == 1)
        await pilot.pause()
        assert app.state.unread(ConvKey(Kind.USER, 8)) == 200
        titles = [n.title for n in app._notifications]
        assert titles == ["fan8: 200 new messages", "fan9: 1 new message"]
