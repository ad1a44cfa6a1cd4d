"""End to end: two real client apps driven by Pilot against a real ChatServer on loopback."""

from __future__ import annotations

import asyncio
import time
from functools import partial
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Static

from chatapp.client.app import ChatApp
from chatapp.client.conversation import ConvKey, Delivery, Kind
from chatapp.client.net import LinkState, LoggedIn
from chatapp.client.screens.login import LoginScreen
from chatapp.client.screens.main import MainScreen
from chatapp.client.widgets.composer import Composer
from chatapp.client.widgets.message_log import MessageLog
from chatapp.client.widgets.status_line import StatusLine
from chatapp.protocol import OneChat
from chatapp.server.app import ChatServer
from chatapp.tools.services import free_port

from .conftest import holds, make_app, quick_connection, server_config, until

SIZE = (100, 30)


async def sign_in(app: ChatApp, pilot: Pilot[None], user: str, register: bool = False) -> None:
    """Fills the login form and submits it with the keyboard, then waits for the main screen."""
    app.screen.query_one("#user", Input).value = user
    app.screen.query_one("#password", Input).value = f"{user}-secret"
    app.screen.query_one("#password", Input).focus()
    await pilot.press("ctrl+r" if register else "enter")
    await until(lambda: isinstance(app.screen, MainScreen) and app.state.user_id != 0)


async def say(app: ChatApp, pilot: Pilot[None], line: str) -> None:
    """Types a line into the composer and presses Enter."""
    composer = app.screen.query_one("#composer", Composer)
    composer.focus()
    composer.value = line
    await pilot.press("enter")


def login_error(app: ChatApp) -> str:
    """The error under the login form, or nothing while another screen shows."""
    if not isinstance(app.screen, LoginScreen) or not app.screen.is_mounted:
        return ""
    return str(app.screen.query_one("#error", Static).render())


def texts(app: ChatApp, key: ConvKey) -> list[str]:
    conv = app.state.conversations.get(key)
    return [line.text for line in conv.lines] if conv else []


async def test_two_users_befriend_chat_and_share_a_group(
    server: ChatServer, tmp_path: Path
) -> None:
    alice, bob = make_app(server.port, tmp_path / "a"), make_app(server.port, tmp_path / "b")
    async with alice.run_test(size=SIZE) as pa, bob.run_test(size=SIZE) as pb:
        await sign_in(alice, pa, "alice", register=True)
        await sign_in(bob, pb, "bob", register=True)
        bob_id, alice_id = bob.state.user_id, alice.state.user_id

        await say(alice, pa, f"/add {bob_id}")
        await until(lambda: bob_id in alice.state.friends)  # asked
        await say(bob, pb, f"/add {alice_id}")  # and accepted
        await until(lambda: alice_id in bob.state.friends)
        await say(alice, pa, f"/msg {bob_id} hello bob")
        bob_chat = ConvKey(Kind.USER, bob_id)
        await until(lambda: alice.state.conversations[bob_chat].lines[-1].delivery is Delivery.SENT)
        alice_chat = ConvKey(Kind.USER, alice_id)
        await until(lambda: texts(bob, alice_chat) == ["hello bob"])
        assert bob.state.conversations[alice_chat].unread == 1

        await say(bob, pb, "/msg alice hi alice")  # by friend name
        await until(lambda: texts(alice, bob_chat) == ["hello bob", "hi alice"])
        assert alice.state.unread(bob_chat) == 0  # open, so read
        assert alice.screen.query_one(MessageLog).message_count == 2

        await say(alice, pa, "/create devs build talk")
        await until(lambda: any(g.groupname == "devs" for g in alice.state.groups.values()))
        group_id = next(iter(alice.state.groups))
        assert alice.state.active == ConvKey(Kind.GROUP, group_id)
        await pa.click("#sidebar", offset=(5, 1))  # FRIENDS, then bob: a click opens him
        assert alice.state.active == bob_chat
        await say(bob, pb, f"/join {group_id}")
        await until(lambda: group_id in bob.state.groups)
        group = ConvKey(Kind.GROUP, group_id)
        assert bob.state.active == group
        await say(bob, pb, "hello devs")
        await until(lambda: texts(alice, group) == ["hello devs"])
        assert alice.state.unread(group) == 1
        assert any(n.title.startswith("devs") for n in alice._notifications)
        await pa.press("alt+a")  # jump to the unread group
        assert alice.state.active == group and alice.state.unread(group) == 0
        await say(alice, pa, "welcome")
        await until(lambda: texts(bob, group) == ["hello devs", "welcome"])


async def test_offline_messages_arrive_unread_at_login(server: ChatServer, tmp_path: Path) -> None:
    bob = quick_connection("127.0.0.1", server.port)
    alice_id = await bob.register("alice", "alice-secret")
    bob_id = await bob.register("bob", "bob-secret")
    await bob.login("bob-secret", name="bob")
    for text in ("are you there?", "ping me when back"):
        await bob.request(OneChat(alice_id, text))
    app = make_app(server.port, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice")
        bob_chat = ConvKey(Kind.USER, bob_id)
        await until(lambda: texts(app, bob_chat) == ["are you there?", "ping me when back"])
        assert app.state.unread(bob_chat) == 2
        assert app.state.conversations[bob_chat].title == "bob"
        await pilot.press("alt+a")
        assert app.state.active == bob_chat and app.state.unread(bob_chat) == 0
        assert app.screen.query_one(MessageLog).message_count == 2
    await bob.close()


async def test_reconnects_after_server_restart_and_sends_queued(tmp_path: Path) -> None:
    port = free_port()
    first = ChatServer(server_config(tmp_path, port))
    await first.start()
    bob = quick_connection("127.0.0.1", port)
    bob_id = await bob.register("bob", "bob-secret")
    app = make_app(port, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice", register=True)
        await say(app, pilot, f"/msg {bob_id}")
        await first.shutdown()
        await until(lambda: app.state.link.state is LinkState.RECONNECTING)
        assert "reconnecting" in str(app.screen.query_one(StatusLine).render())
        await say(app, pilot, "sent while the server was down")
        line = app.state.conversations[ConvKey(Kind.USER, bob_id)].lines[-1]
        assert line.delivery is Delivery.PENDING

        second = ChatServer(server_config(tmp_path, port))
        await second.start()
        try:
            await until(lambda: line.delivery is Delivery.SENT)
            assert app.state.link.state is LinkState.ONLINE
            assert app.connection is not None and not holds(app.connection, "alice-secret")
            await bob.login("bob-secret", id=bob_id)
            async with asyncio.timeout(10):
                async for event in bob.events():
                    if isinstance(event, LoggedIn):
                        assert [m.msg for m in event.ack.offlinemsg] == [line.text]
                        break
        finally:
            await bob.close()
            await second.shutdown()


async def test_logout_returns_to_login_and_settings_keep_no_password(
    server: ChatServer, tmp_path: Path
) -> None:
    app = make_app(server.port, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "erin", register=True)
        await say(app, pilot, "/logout")
        await until(lambda: isinstance(app.screen, LoginScreen))
        assert app.state.user_id == 0
        assert app.screen.query_one("#user", Input).value == "erin"
        await sign_in(app, pilot, "erin")  # the same connection logs in again
        await say(app, pilot, "/quit")
    saved = (tmp_path / "client.json").read_text()
    assert '"user": "erin"' in saved and f'"port": {server.port}' in saved
    assert "erin-secret" not in saved


async def test_a_refused_token_asks_for_the_password_and_nothing_shows_twice(
    tmp_path: Path,
) -> None:
    port = free_port()
    first = ChatServer(server_config(tmp_path, port))
    await first.start()
    bob = quick_connection("127.0.0.1", port)
    bob_id = await bob.register("bob", "bob-secret")
    await bob.login("bob-secret", id=bob_id)
    # Acknowledgements wait a minute after the first: "two" is still unacknowledged.
    app = make_app(port, tmp_path, partial(quick_connection, ack_interval=60.0))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice", register=True)
        alice_id, bob_chat = app.state.user_id, ConvKey(Kind.USER, bob_id)
        await bob.request(OneChat(alice_id, "one"))
        await until(lambda: texts(app, bob_chat) == ["one"])
        await bob.request(OneChat(alice_id, "two"))
        await until(lambda: texts(app, bob_chat) == ["one", "two"])
        await first.shutdown()
        # A month and more later, every resume token has expired.
        second = ChatServer(server_config(tmp_path, port), clock=lambda: time.time() + 10**8)
        await second.start()
        try:
            await until(lambda: "log in again" in login_error(app))
            assert "no longer takes this device's saved login" in login_error(app)  # plain words
            await sign_in(app, pilot, "alice")  # "two" comes again, and is shown once
            await until(lambda: app.state.link.state is LinkState.ONLINE)
            assert texts(app, bob_chat) == ["one", "two"]
            assert app.state.unread(bob_chat) == 2
        finally:
            await bob.close()
            await second.shutdown()
