"""End to end: message requests and /settings, a client app driven by Pilot against the real
chat server, strangers writing through the client's own Connection."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from chatapp.client.app import ChatApp
from chatapp.client.conversation import ConvKey, Kind
from chatapp.client.net import Connection
from chatapp.client.screens.requests import RequestList
from chatapp.client.strangers import PAGE
from chatapp.client.widgets.message_log import MessageLog
from chatapp.protocol import ChangeSettings, OneChat
from chatapp.server.app import ChatServer

from .conftest import make_app, quick_connection, until
from .test_e2e import SIZE, say, sign_in, texts


def told(app: ChatApp, words: str) -> list[str]:
    """The notices up whose text holds `words`."""
    return [n.message for n in app._notifications if words in n.message]


async def stranger(server: ChatServer, name: str) -> tuple[Connection, int]:
    """A user of their own connection, registered and logged in: their id."""
    conn = quick_connection("127.0.0.1", server.port)
    user_id = await conn.register(name, f"{name}-secret")
    await conn.login(f"{name}-secret", name=name)
    return conn, user_id


def request_notice(name: str, user_id: int) -> str:
    return (
        f"{name} (#{user_id}) wants to message you: /message-requests to read, "
        f"/allow {user_id} or /refuse {user_id}"
    )


async def test_strangers_wait_until_allowed_or_refused(server: ChatServer, tmp_path: Path) -> None:
    alice = make_app(server.port, tmp_path)
    async with alice.run_test(size=SIZE) as pilot:
        await sign_in(alice, pilot, "alice", register=True)
        alice_id = alice.state.user_id
        await say(alice, pilot, "/settings strangers requests")
        await until(lambda: told(alice, "Who may message you"))
        changed = next(n for n in alice._notifications if "Who may" in n.message)
        assert changed.title == "Changed: strangers requests"
        assert changed.message.splitlines()[0] == (
            "Who may message you: everyone; strangers as message requests (strangers requests)"
        )

        carol, carol_id = await stranger(server, "carol")
        dave, dave_id = await stranger(server, "dave")
        await carol.request(OneChat(alice_id, "hello alice"))
        await carol.request(OneChat(alice_id, "we met at the conference"))
        await dave.request(OneChat(alice_id, "cheap watches, cheap"))
        # The server tells alice of each held message in order: dave's notice comes last.
        await until(lambda: told(alice, "dave ("))
        assert told(alice, "carol (") == [request_notice("carol", carol_id)]  # one, not two
        assert told(alice, "dave (") == [request_notice("dave", dave_id)]
        carol_chat, dave_chat = ConvKey(Kind.USER, carol_id), ConvKey(Kind.USER, dave_id)
        assert texts(alice, carol_chat) == [] and texts(alice, dave_chat) == []  # held

        await say(alice, pilot, "/message-requests")
        await until(lambda: isinstance(alice.screen, RequestList))
        shown = alice.screen.query_one(OptionList)
        assert [str(shown.get_option_at_index(i).prompt) for i in range(2)] == [
            f"carol (#{carol_id}), 2 messages:\n  “hello alice”\n  “we met at the conference”",
            f"dave (#{dave_id}), 1 message:\n  “cheap watches, cheap”",
        ]
        await pilot.press("a")  # carol's, the first, is highlighted
        await until(lambda: texts(alice, carol_chat) == ["hello alice", "we met at the conference"])
        await until(lambda: alice.state.active == carol_chat)
        await until(lambda: alice.screen.query_one(MessageLog).message_count == 2)
        assert told(alice, f"carol (#{carol_id}) may message you now")

        await say(alice, pilot, f"/refuse {dave_id}")
        await until(lambda: told(alice, "Deleted dave"))
        await carol.request(OneChat(alice_id, "thanks!"))  # allowed: delivered at once
        await until(lambda: texts(alice, carol_chat)[-1:] == ["thanks!"])
        await say(alice, pilot, "/message-requests")
        await until(lambda: told(alice, "No message requests"))
        assert texts(alice, dave_chat) == []
        await say(alice, pilot, "/allow dave")  # refused: nothing of his waits any more
        await until(lambda: told(alice, "No message request of theirs waits"))
    await carol.close()
    await dave.close()


async def test_requests_held_while_away_are_told_once_at_login(
    server: ChatServer, tmp_path: Path
) -> None:
    away, alice_id = await stranger(server, "alice")
    await away.request(ChangeSettings(strangers="requests"))
    await away.close()
    carol, _ = await stranger(server, "carol")
    dave, _ = await stranger(server, "dave")
    await carol.request(OneChat(alice_id, "are you there?"))
    await dave.request(OneChat(alice_id, "hi"))

    alice = make_app(server.port, tmp_path)
    async with alice.run_test(size=SIZE) as pilot:
        await sign_in(alice, pilot, "alice")
        await until(lambda: told(alice, "want to message you"))
        assert told(alice, "want") == ["2 people want to message you: /message-requests lists them"]
        await carol.request(OneChat(alice_id, "hello?"))  # told at login: not again
        erin, erin_id = await stranger(server, "erin")
        await erin.request(OneChat(alice_id, "hey"))
        await until(lambda: told(alice, "erin ("))
        assert told(alice, "carol (") == []
        assert told(alice, "wants") == [request_notice("erin", erin_id)]

        await say(alice, pilot, "/settings")
        await until(lambda: told(alice, "Who may message you"))
        assert told(alice, "Who may message you")[0].splitlines() == [
            "Who may message you: everyone; strangers as message requests (strangers requests)",
            "Found by the start of your name: yes (findable on)",
            "Others see what you read: yes (receipts on)",
        ]
        titles = [n.title for n in alice._notifications if "Who may" in n.message]
        assert titles == ["/settings <name> <value>"]  # how to change one
    for conn in (carol, dave, erin):
        await conn.close()


async def test_requests_list_a_page_at_a_time(server: ChatServer, tmp_path: Path) -> None:
    away, alice_id = await stranger(server, "alice")
    await away.request(ChangeSettings(strangers="requests"))
    await away.close()
    for n in range(PAGE + 1):
        conn, _ = await stranger(server, f"stranger {n}")
        await conn.request(OneChat(alice_id, f"hello from {n}"))
        await conn.close()

    alice = make_app(server.port, tmp_path)
    async with alice.run_test(size=SIZE) as pilot:
        await sign_in(alice, pilot, "alice")
        await until(lambda: told(alice, "people"))
        assert told(alice, "people") == [
            f"{PAGE + 1} people want to message you: /message-requests lists them"
        ]
        await say(alice, pilot, "/message-requests")
        await until(lambda: isinstance(alice.screen, RequestList))
        assert alice.screen.query_one(OptionList).option_count == PAGE
        assert "more: /message-requests more" in str(
            alice.screen.query_one("#requests").border_title
        )
        await pilot.press("escape")
        await say(alice, pilot, "/message-requests more")
        await until(lambda: isinstance(alice.screen, RequestList))
        last = alice.screen.query_one(OptionList)
        assert last.option_count == 1
        assert str(last.get_option_at_index(0).prompt).endswith(f"“hello from {PAGE}”")
        await pilot.press("r")  # refused from the list
        await until(lambda: told(alice, f"Deleted stranger {PAGE}"))
        await say(alice, pilot, "/message-requests more")
        await until(lambda: told(alice, "No more message requests"))
