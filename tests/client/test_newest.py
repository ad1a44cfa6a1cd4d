"""The newest messages in a long conversation: sending shows them, keys go to them, and a
marker says when some came below the view."""

from __future__ import annotations

from datetime import timedelta

from chatapp.client.app import ChatApp
from chatapp.client.conversation import Line
from chatapp.client.messages import ServerEvent
from chatapp.client.settings import Settings
from chatapp.client.widgets.composer import Composer
from chatapp.client.widgets.message_log import MessageLog
from chatapp.protocol import ChatMessage

from .fakes import BOB, NOW, clock, demo_state

SIZE = (100, 30)


def long_chat() -> ChatApp:
    """alice's main screen on a conversation with bob three screens long."""
    state = demo_state()
    lines = state.conversation(BOB).lines
    for number in range(80):
        lines.append(Line(2, "bob", f"line {number}", NOW + timedelta(minutes=number)))
    return ChatApp(Settings(user="alice"), state=state, clock=clock, blink=False)


def log_of(app: ChatApp) -> MessageLog:
    return app.screen.query_one(MessageLog)


def bottom_row(log: MessageLog) -> str:
    return "".join(s.text for s in log.render_line(log.scrollable_content_region.height - 1))


def from_bob(text: str, mid: int) -> ServerEvent:
    ts = int((NOW + timedelta(hours=3)).timestamp() * 1000)
    return ServerEvent(ChatMessage(2, "bob", 1, text, "", mid, ts, seq=mid))


async def test_sending_while_scrolled_up_shows_the_message() -> None:
    app = long_chat()
    async with app.run_test(size=SIZE) as pilot:
        log = log_of(app)
        await pilot.press("pageup")
        assert not log.is_vertical_scroll_end
        await pilot.press("h", "i", "enter")
        await pilot.pause()
        assert app.state.conversation(BOB).lines[-1].text == "hi"
        assert log.is_vertical_scroll_end


async def test_ctrl_end_and_end_in_an_empty_composer_go_to_the_newest() -> None:
    app = long_chat()
    async with app.run_test(size=SIZE) as pilot:
        log = log_of(app)
        await pilot.press("pageup")
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert log.is_vertical_scroll_end
        await pilot.press("pageup", "end")
        await pilot.pause()
        assert log.is_vertical_scroll_end
        await pilot.press("pageup", "a", "b", "home", "end")  # End: the composer's own
        await pilot.pause()
        assert not log.is_vertical_scroll_end
        assert app.screen.query_one(Composer).cursor_location == (0, 2)


async def test_a_marker_says_new_messages_came_below() -> None:
    app = long_chat()
    async with app.run_test(size=SIZE) as pilot:
        log = log_of(app)
        app.post_message(from_bob("at the bottom, seen", 9001))
        await pilot.pause()
        assert log.is_vertical_scroll_end and "below" not in bottom_row(log)
        await pilot.press("pageup")
        for mid in (9002, 9003):
            app.post_message(from_bob(f"unseen {mid}", mid))
        await pilot.pause()
        assert not log.is_vertical_scroll_end
        assert "2 new messages below" in bottom_row(log)
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert log.is_vertical_scroll_end and "below" not in bottom_row(log)
        assert "unseen 9003" in "".join(s.text for s in log.render_line(log.size.height - 1))
