"""History in the app: the latest page on opening, older pages at the top, live ones merged."""

from __future__ import annotations

from pathlib import Path

from chatapp.client.conversation import ConvKey, Kind
from chatapp.client.widgets.message_log import MessageLog
from chatapp.protocol import OneChat
from chatapp.server.app import ChatServer

from .conftest import make_app, quick_connection, server_config, until
from .test_e2e import SIZE, say, sign_in, texts

PAGE = 5


async def test_history_loads_on_open_and_pages_back_from_the_top(tmp_path: Path) -> None:
    server = ChatServer(server_config(tmp_path, sync_page=PAGE))
    await server.start()
    other = quick_connection("127.0.0.1", server.port)  # alice on another device
    alice_id = await other.register("alice", "alice-secret")
    bob_id = await other.register("bob", "bob-secret")
    await other.login("alice-secret", id=alice_id)
    sent = [f"m{i}" for i in range(12)]
    for text in sent:
        await other.request(OneChat(bob_id, text))
    await other.logout()
    bob = quick_connection("127.0.0.1", server.port)
    app = make_app(server.port, tmp_path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(app, pilot, "alice")
            await say(app, pilot, f"/msg {bob_id}")
            chat = ConvKey(Kind.USER, bob_id)
            log = app.screen.query_one(MessageLog)
            await until(lambda: texts(app, chat) == sent[-PAGE:])
            assert log.header == "PageUp for older messages" and log.message_count == PAGE
            assert all(line.own for line in app.state.conversations[chat].lines)

            await pilot.press("pageup")  # it all fits: the view is at the top already
            await until(lambda: texts(app, chat) == sent[-2 * PAGE :])
            await bob.login("bob-secret", id=bob_id)
            await bob.request(OneChat(alice_id, "live"))
            await until(lambda: texts(app, chat) == [*sent[-2 * PAGE :], "live"])
            await pilot.press("ctrl+home")
            await until(lambda: log.header == "beginning of conversation")
            assert texts(app, chat) == [*sent, "live"]
            assert log.message_count == len(sent) + 1
            await pilot.press("pageup")  # nothing older: no request, no change
            assert app.state.conversations[chat].paging.complete
    finally:
        await bob.close()
        await other.close()
        await server.shutdown()
