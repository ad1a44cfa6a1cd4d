"""The server's refusals reach the screen in plain words: the login form and the notices."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from chatapp.client.net import Disconnected, RequestFailed
from chatapp.client.wording import PLAIN, plain, refusal
from chatapp.protocol import Errno
from chatapp.server.app import ChatServer

from .conftest import make_app, until
from .test_e2e import SIZE, login_error, say, sign_in


def test_known_errnos_get_a_sentence_of_their_own() -> None:
    assert refusal(Errno.BAD_CREDENTIALS, "id or password is invalid!") == (
        "Wrong name, id or password."
    )
    assert refusal(Errno.ALREADY_ONLINE, "this account is using, input another!") == (
        "This account is logged in elsewhere already."
    )
    for errno, sentence in PLAIN.items():
        assert sentence[0].isupper() and sentence.endswith("."), errno
        assert len(sentence) <= 80, errno  # short: it fits a notice


def test_unknown_errnos_fall_back_to_the_servers_text() -> None:
    assert refusal(Errno.INVALID_ARGUMENT, "name too long") == "Name too long"
    assert refusal(Errno.BAD_FIELD, "") == "Bad field"


def test_locks_say_how_long_to_wait() -> None:
    text = "too many failed logins: retry in 240 s"
    assert refusal(Errno.LOGIN_LOCKED, text) == "Too many failed logins: try again in 4 minutes."
    text = "too many registrations from this address: retry in 30 s"
    assert refusal(Errno.REGISTER_LOCKED, text).endswith("try again in 30 seconds.")


def test_other_errors_keep_their_text() -> None:
    assert plain(Disconnected("not connected")) == "not connected"
    assert plain(RequestFailed(Errno.NO_SUCH_GROUP, "no such group")) == (
        "There is no group with that id."
    )


async def test_refusals_show_in_plain_words(server: ChatServer, tmp_path: Path) -> None:
    app = make_app(server.port, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice", register=True)
        await say(app, pilot, "/join 4242")
        await until(lambda: any("no group with that id" in n.message for n in app._notifications))
        await say(app, pilot, f"/add {app.state.user_id}")
        await until(lambda: any("add yourself" in n.message for n in app._notifications))
        assert not any("!" in n.message for n in app._notifications)
        await say(app, pilot, "/logout")
        await until(lambda: login_error(app) == "" and app.state.user_id == 0)
        app.screen.query_one("#password", Input).value = "wrong"
        app.screen.query_one("#password", Input).focus()
        await pilot.press("enter")
        await until(lambda: "Wrong name, id or password." in login_error(app))
        assert "invalid!" not in login_error(app)
