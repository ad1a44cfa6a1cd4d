"""Pop-ups for messages elsewhere: one per conversation, naming the sender, with a count,
replacing the one before, and clear of the composer and the delivery marks."""

from __future__ import annotations

import pytest
from textual.widgets._toast import Toast

from chatapp.client.app import ChatApp
from chatapp.client.conversation import ConvKey, Kind
from chatapp.client.messages import ServerEvent
from chatapp.client.settings import Settings
from chatapp.client.widgets.composer import Composer
from chatapp.client.widgets.message_log import MessageLog
from chatapp.protocol import ChatMessage, FriendEvent, GroupMessage, UserRef

from .conftest import until
from .fakes import DEVS, clock, demo_state


def chat(sender: int, name: str, text: str, mid: int) -> ChatMessage:
    return ChatMessage(sender, name, 1, text, "2025-03-14 09:00:00", mid, 0)


def app() -> ChatApp:
    return ChatApp(Settings(user="alice"), state=demo_state(), clock=clock, blink=False)


def notices(chat_app: ChatApp) -> list[tuple[str, str]]:
    return [(n.title, n.message) for n in chat_app._notifications]


async def test_three_hundred_messages_make_one_notice_with_a_count() -> None:
    chat_app = app()
    async with chat_app.run_test(size=(120, 35), notifications=True) as pilot:
        for mid in range(300):
            chat_app.post_message(ServerEvent(chat(3, "carol", f"[b]backlog {mid}", 100 + mid)))
        carol = ConvKey(Kind.USER, 3)
        await until(lambda: chat_app.state.unread(carol) == 302)  # and the 2 from before
        await pilot.pause()
        await pilot.pause()
        assert notices(chat_app) == [("carol: 302 new messages", "[b]backlog 299")]
        assert len(chat_app.screen.query(Toast)) == 1


async def test_a_group_notice_names_the_sender() -> None:
    chat_app = app()
    async with chat_app.run_test(size=(120, 35), notifications=True) as pilot:
        chat_app.post_message(ServerEvent(GroupMessage(2, "bob", DEVS.id, "lunch?", "", 500, 0)))
        await until(lambda: chat_app.state.unread(DEVS) == 1)
        await pilot.pause()
        assert notices(chat_app) == [("devs (bob): 1 new message", "lunch?")]
        chat_app.post_message(ServerEvent(GroupMessage(4, "dave", DEVS.id, "yes", "", 501, 0)))
        await until(lambda: chat_app.state.unread(DEVS) == 2)
        await pilot.pause()
        assert notices(chat_app) == [("devs (dave): 2 new messages", "yes")]
        await pilot.press("ctrl+n")  # opens the next conversation: not devs
        await pilot.pause()
        assert len(notices(chat_app)) == 1
        await pilot.press("alt+a")  # the next with unread messages: devs, read now
        await until(lambda: chat_app.state.active == DEVS)
        await pilot.pause()
        assert notices(chat_app) == []


async def test_many_conversations_keep_few_notices() -> None:
    chat_app = app()
    async with chat_app.run_test(size=(120, 35), notifications=True) as pilot:
        for sender in range(10, 20):
            chat_app.post_message(ServerEvent(chat(sender, f"fan{sender}", "hi", sender)))
        await until(lambda: chat_app.state.unread(ConvKey(Kind.USER, 19)) == 1)
        await pilot.pause()
        titles = [title for title, _ in notices(chat_app)]
        assert titles == [f"fan{n}: 1 new message" for n in (17, 18, 19)]


@pytest.mark.parametrize("size", [(120, 35), (60, 20)])
async def test_notices_leave_the_composer_and_the_marks_uncovered(size: tuple[int, int]) -> None:
    chat_app = app()
    async with chat_app.run_test(size=size, notifications=True) as pilot:
        for sender in (3, 4, 5):  # as many as are ever up, each with a long line
            text = "a long line " * 20
            chat_app.post_message(ServerEvent(chat(sender, f"someone{sender}", text, sender)))
        await until(lambda: len(chat_app.screen.query(Toast)) == 3)
        await pilot.pause()
        composer = chat_app.screen.query_one(Composer).region
        log = chat_app.screen.query_one(MessageLog)
        marks = log.content_region.right - 1  # the column of ✓, ◷ and ✗
        for toast in chat_app.screen.query(Toast):
            region = toast.region
            assert region and region.bottom <= composer.y, (region, composer)
            assert region.right <= marks - 1, (region, log.content_region)


@pytest.mark.parametrize(("size", "shown"), [((60, 20), 2), ((120, 35), 4)])
async def test_older_notices_give_way_so_the_newest_is_never_hidden(
    size: tuple[int, int], shown: int
) -> None:
    chat_app = app()
    async with chat_app.run_test(size=size, notifications=True) as pilot:
        for n in range(4):  # a burst, as a command's outcome and notices about it make
            chat_app.notify(f"notice {n}: " + "words to wrap " * 6, title=f"#{n}")
        chat_app.notify("the newest, and long: " + "many words " * 30, title="#4")
        await pilot.pause()
        titles = [title for title, _ in notices(chat_app)]
        assert titles == [f"#{n}" for n in range(5)][-shown:]
        await pilot.pause()
        newest = [t for t in chat_app.screen.query(Toast) if "the newest" in str(t.render())]
        composer = chat_app.screen.query_one(Composer).region
        assert newest and newest[0].region.bottom <= composer.y  # in view, above the composer
        # At 60 columns a notice takes the rack's width, not Textual's half of the screen,
        # and stays clear of the delivery marks.
        marks = chat_app.screen.query_one(MessageLog).content_region.right - 1
        assert newest[0].outer_size.width >= min(56, size[0] - 4)
        assert newest[0].region.right <= marks - 1


async def test_markup_in_a_stranger_s_name_is_shown_as_written_and_crashes_nothing() -> None:
    chat_app = app()
    async with chat_app.run_test(size=(120, 35), notifications=True) as pilot:
        request = FriendEvent("request", UserRef(66, "[/x][b]boss"))
        chat_app.post_message(ServerEvent(request))  # as a friend request from them comes
        chat_app.screen.notify("No loaded message holds “[/y]”")  # a screen's, as /search's
        await pilot.pause()
        await pilot.pause()
        shown = " ".join(str(toast.render()) for toast in chat_app.screen.query(Toast))
        assert chat_app.is_running
        assert "[/x][b]boss (#66) asked to be your friend" in shown and "“[/y]”" in shown
