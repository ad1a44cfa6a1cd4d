"""Names, group names and the server's words are other people's text: shown as written,
never read as Textual markup (where `[/x]` would crash the client)."""

from __future__ import annotations

from textual.widgets import Static

from chatapp.client.app import ChatApp
from chatapp.client.conversation import ConvKey, Kind
from chatapp.client.messages import OpenConversation
from chatapp.client.screens.login import LoginScreen
from chatapp.client.settings import Settings
from chatapp.client.widgets.typing_line import TypingLine
from chatapp.protocol import GroupInfo, TypingNotice, UserInfo

from .conftest import until
from .fakes import clock, demo_state

NAME = "[/x][b]boss"


async def test_a_group_name_and_a_typist_s_name_are_shown_as_written() -> None:
    state = demo_state()
    state.add_group(GroupInfo(77, NAME, "[red]desc"))
    app = ChatApp(Settings(user="alice"), state=state, clock=clock, blink=False)
    async with app.run_test(size=(120, 35)) as pilot:
        app.post_message(OpenConversation(ConvKey(Kind.GROUP, 77)))
        await until(lambda: state.active == ConvKey(Kind.GROUP, 77))
        await pilot.pause()
        title = str(app.screen.query_one("#title", Static).render())
        assert f"# {NAME} (group 77) — [red]desc" in title
        line = app.screen.query_one(TypingLine)
        line.heard(TypingNotice(UserInfo(5, NAME), groupid=77), state.user_id)
        await pilot.pause()
        assert app.is_running and f"{NAME} is typing" in str(line.render())


async def test_the_login_error_is_shown_as_written() -> None:
    app = ChatApp(Settings(user="alice"), clock=clock, blink=False)
    async with app.run_test(size=(60, 20)) as pilot:
        assert isinstance(app.screen, LoginScreen)
        app.screen.show_error(f"nobody is called {NAME}")
        await pilot.pause()
        assert app.is_running
        assert f"nobody is called {NAME}" in str(app.screen.query_one("#error", Static).render())
