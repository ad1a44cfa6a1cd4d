"""People who are not friends, end to end: found by id or name with USERS, conversations
with them kept across restarts and titled by name, and conversations closed (/close or
because nobody has that id)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from chatapp.client.app import ChatApp
from chatapp.client.conversation import ConvKey, Kind
from chatapp.client.widgets.message_log import MessageLog
from chatapp.protocol import OneChat
from chatapp.server.app import ChatServer

from .conftest import make_app, quick_connection, until
from .test_e2e import SIZE, say, sign_in, texts


def notified(app: ChatApp, text: str) -> bool:
    return any(text in n.message for n in app._notifications)


def header(app: ChatApp) -> str:
    return str(app.screen.query_one("#title", Static).render())


def listed(app: ChatApp) -> list[str]:
    return [entry.title for entry in app.state.entries()]


async def test_no_conversation_stays_for_an_id_nobody_has(
    server: ChatServer, tmp_path: Path
) -> None:
    app = make_app(server.port, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice", register=True)
        await say(app, pilot, "/msg 999 hello?")
        await until(lambda: notified(app, "no user with id 999"))
        await pilot.pause()
        assert ConvKey(Kind.USER, 999) not in app.state.conversations
        assert app.state.active is None and "user 999" not in listed(app)
        assert header(app).startswith("Welcome")
        await say(app, pilot, "/msg 0 x")
        assert notified(app, "ids start at 1") and listed(app) == []


async def test_close_ends_the_open_conversation(server: ChatServer, tmp_path: Path) -> None:
    bob = quick_connection("127.0.0.1", server.port)
    bob_id = await bob.register("bob", "bob-secret")
    await bob.close()
    app = make_app(server.port, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice", register=True)
        bob_chat = ConvKey(Kind.USER, bob_id)
        await say(app, pilot, f"/msg {bob_id} hi bob")
        await until(lambda: app.state.conversations[bob_chat].title == "bob")
        assert listed(app) == ["bob"]
        await say(app, pilot, "/close")
        await until(lambda: app.state.active is None)
        await pilot.pause()
        assert bob_chat not in app.state.conversations and listed(app) == []
        assert app.screen.query_one(MessageLog).message_count == 0
        assert header(app).startswith("Welcome")
        await say(app, pilot, "/close")
        await until(lambda: notified(app, "No conversation is open"))


async def test_a_stranger_is_named_kept_and_found_by_name(
    server: ChatServer, tmp_path: Path
) -> None:
    carol = quick_connection("127.0.0.1", server.port)
    alice_id = await carol.register("alice", "alice-secret")
    carol_id = await carol.register("carol", "carol-secret")
    await carol.login("carol-secret", id=carol_id)
    await carol.request(OneChat(alice_id, "hi, it's carol"))
    carol_chat = ConvKey(Kind.USER, carol_id)
    first = make_app(server.port, tmp_path)
    async with first.run_test(size=SIZE) as pilot:
        await sign_in(first, pilot, "alice")
        await until(lambda: texts(first, carol_chat) == ["hi, it's carol"])
    # A restart: the conversation is listed again, under carol's name.
    again = make_app(server.port, tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await sign_in(again, pilot, "alice")
        await until(lambda: listed(again) == ["carol"])
        await say(again, pilot, "/msg carol back again")
        await until(lambda: texts(again, carol_chat)[-1:] == ["back again"])
        assert again.state.active == carol_chat
        await until(lambda: header(again).startswith(f"@ carol (#{carol_id})"))
        await say(again, pilot, "/close")
        await until(lambda: listed(again) == [])
        await say(again, pilot, "/msg carol")  # not listed now: USERS finds her by name
        await until(lambda: again.state.active == carol_chat)
        assert again.state.conversations[carol_chat].title == "carol"
        await say(again, pilot, "/msg nobody hello")
        await until(lambda: notified(again, "nobody is called nobody"))
        assert again.state.active == carol_chat
    await carol.close()


async def test_reopened_by_id_the_title_is_the_name_the_server_knows(
    server: ChatServer, tmp_path: Path
) -> None:
    carol = quick_connection("127.0.0.1", server.port)
    carol_id = await carol.register("carol", "carol-secret")
    await carol.close()
    app = make_app(server.port, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice", register=True)
        await say(app, pilot, f"/msg {carol_id}")
        await until(lambda: header(app).startswith(f"@ carol (#{carol_id})"))
