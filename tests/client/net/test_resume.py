"""Resuming after the server's log went back in time: the client starts its numbers over."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from chatapp.client.net import LinkState
from chatapp.protocol import OneChat
from chatapp.server.app import ChatServer
from chatapp.tools.services import free_port

from ..conftest import quick_connection, server_config, until


async def test_numbers_the_server_never_gave_are_dropped_and_the_login_resumes(
    tmp_path: Path,
) -> None:
    port = free_port()
    first = ChatServer(server_config(tmp_path, port))
    await first.start()
    ann, bob = quick_connection("127.0.0.1", port), quick_connection("127.0.0.1", port)
    try:
        await ann.register("ann", "pw")
        bob_id = await bob.register("bob", "pw")
        await ann.login("pw", name="ann")
        await bob.login("pw", name="bob")
        for text in ("one", "two"):
            await ann.request(OneChat(bob_id, text))
        await until(lambda: bob.inbox.last == 2)
        await first.shutdown()
        # The database is restored from a backup taken before those two messages: the
        # server never gave bob the numbers his client holds.
        with sqlite3.connect(tmp_path / "chat.db") as db:
            db.execute("DELETE FROM deliveries")
            db.execute("UPDATE users SET last_seq = 0, acked_seq = 0")
            db.execute("UPDATE devices SET acked_seq = 0")
        second = ChatServer(server_config(tmp_path, port))
        await second.start()
        try:
            await until(lambda: bob.state is LinkState.ONLINE and bob.inbox.last is None)
            await ann.request(OneChat(bob_id, "three"))
            await until(lambda: bob.inbox.last == 1)  # numbered afresh, and taken
        finally:
            await ann.close()
            await bob.close()
            await second.shutdown()
    finally:
        await ann.close()
        await bob.close()
