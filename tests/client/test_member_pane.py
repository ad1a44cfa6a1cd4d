"""The member pane in the app: shown beside a group where there is room, hidden by default
on a small screen and over the messages there; its last row reads the next page, once,
until its bound."""

from __future__ import annotations

from chatapp.client.app import ChatApp
from chatapp.client.conversation import ConvKey, Kind
from chatapp.client.members import PANE_MEMBERS
from chatapp.client.messages import OpenConversation
from chatapp.client.settings import Settings
from chatapp.client.widgets.composer import Composer
from chatapp.client.widgets.member_pane import MemberPane
from chatapp.protocol import GroupInfo

from .conftest import until
from .fakes import BOB, clock, demo_state
from .test_group_members import MembersConnection

CROWD = ConvKey(Kind.GROUP, 3)


def crowd_app() -> tuple[ChatApp, MembersConnection]:
    """alice with the crowd open: 5,000 members, none read yet; MEMBERS pages of 200."""
    state = demo_state()
    state.add_group(GroupInfo(3, "crowd", "everyone", count=5000))
    app = ChatApp(Settings(user="alice"), state=state, clock=clock, blink=False)
    connection = MembersConnection("127.0.0.1", 6000)
    app.connection = connection
    return app, connection


def read(app: ChatApp) -> int:
    return len(app.state.groups[3].users)


async def test_the_more_row_reads_the_next_page_once_and_stops_at_the_bound() -> None:
    app, connection = crowd_app()
    async with app.run_test(size=(120, 30)) as pilot:
        pane = app.screen.query_one(MemberPane)
        app.post_message(OpenConversation(CROWD))
        await until(lambda: read(app) == 200 and pane.display and pane.option_count == 202)
        pane.focus()
        for page in range(2, PANE_MEMBERS // 200 + 1):
            await pilot.press("end")  # onto "more…": the next page comes
            await until(lambda: read(app) >= 200 * page)  # noqa: B023
            await pilot.pause()
            assert read(app) == 200 * page
        last = pane.get_option_at_index(pane.option_count - 1)
        assert str(last.prompt) == f"and {5000 - PANE_MEMBERS:,} more" and last.disabled
        assert [m.after for m in connection.asked] == [None, 200, 400, 600, 800]
        await pilot.press("end", "home", "end")  # the bound: nothing more is asked
        await pilot.pause()
        assert len(connection.asked) == 5


async def test_a_small_screen_shows_the_pane_over_the_messages_on_f4_and_escape_hides_it() -> None:
    app, _ = crowd_app()
    async with app.run_test(size=(60, 20)) as pilot:
        pane = app.screen.query_one(MemberPane)
        app.post_message(OpenConversation(CROWD))
        await until(lambda: read(app) == 200)
        assert not pane.display  # no room: hidden until asked for
        await pilot.press("f4")
        assert pane.display and pane.has_focus  # over the messages, with the keys
        assert pane.region.right == app.screen.query_one("#log").region.right
        await pilot.press("escape")
        assert not pane.display and app.screen.query_one(Composer).has_focus
        await pilot.press("f4")
        app.post_message(OpenConversation(BOB))
        await until(lambda: app.state.active == BOB)
        await pilot.pause()
        assert not pane.display  # not a group


async def test_choosing_a_member_opens_a_chat_with_them() -> None:
    app, _ = crowd_app()
    async with app.run_test(size=(120, 30)) as pilot:
        pane = app.screen.query_one(MemberPane)
        app.post_message(OpenConversation(CROWD))
        await until(lambda: read(app) == 200 and pane.option_count == 202)
        pane.focus()
        pane.highlighted = pane.get_option_index("you")
        await pilot.press("enter")  # oneself: nothing
        assert app.state.active == CROWD
        pane.highlighted = pane.get_option_index(str(BOB))  # m2, bob's id
        await pilot.press("enter")
        await until(lambda: app.state.active == BOB)
        assert app.screen.query_one(Composer).has_focus and not pane.display
