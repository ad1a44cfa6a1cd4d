"""DRAIN: the client leaves a draining server on its own, keeps what it asked meanwhile, and
resumes on the server that takes its place, without a login the user sees."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from chatapp.client.net import LinkChanged, LinkState, LoggedIn, LoginNeeded
from chatapp.protocol import ChatMessage, OneChat
from chatapp.server.app import ChatServer
from chatapp.tools.services import free_port

from ..conftest import quick_connection, server_config, until


async def test_a_drained_client_moves_by_itself_and_loses_nothing(tmp_path: Path) -> None:
    port = free_port()
    config = replace(server_config(tmp_path, port), drain_timeout=30.0)
    first = ChatServer(config)
    await first.start()
    ann, bob = quick_connection("127.0.0.1", port), quick_connection("127.0.0.1", port)
    second: ChatServer | None = None
    try:
        await ann.register("ann", "pw")
        bob_id = await bob.register("bob", "pw")
        await ann.login("pw", name="ann")
        await bob.login("pw", name="bob")
        seen: list[object] = []

        async def watch() -> None:
            async for item in ann.events():
                seen.append(item)

        watcher = asyncio.create_task(watch())
        await ann.request(OneChat(bob_id, "before"))

        async with asyncio.timeout(5):  # both leave at once: not after 30 s
            await first.drain()
        assert first.draining is not None and first.draining.remaining == 0
        moving = [i for i in seen if isinstance(i, LinkChanged) and i.reason]
        assert moving[0].state is LinkState.RECONNECTING, moving
        assert moving[0].reason == "the server is restarting"
        assert not [i for i in moving if i.state is LinkState.OFFLINE]
        # Asked while no server takes it: it waits in the outbox, and goes out later.
        later = asyncio.create_task(ann.request(OneChat(bob_id, "during the restart")))
        await first.shutdown()

        second = ChatServer(config)
        await second.start()
        ack = await asyncio.wait_for(later, 10)
        assert ack.mid
        await until(lambda: bob.inbox.last == 2)  # both chats, each once
        assert ann.state is LinkState.ONLINE
        logins = [i for i in seen if isinstance(i, LoggedIn)]
        assert [login.again for login in logins] == [False, True]  # resumed with its token
        assert not [i for i in seen if isinstance(i, LoginNeeded)]
        watcher.cancel()
    finally:
        await ann.close()
        await bob.close()
        if second is not None:
            await second.shutdown()


async def test_a_drain_lets_what_is_in_flight_be_answered_first(tmp_path: Path) -> None:
    config = replace(server_config(tmp_path), drain_timeout=30.0)
    server = ChatServer(config)
    await server.start()
    ann, bob = (
        quick_connection("127.0.0.1", server.port),
        quick_connection("127.0.0.1", server.port),
    )
    try:
        await ann.register("ann", "pw")
        bob_id = await bob.register("bob", "pw")
        await ann.login("pw", name="ann")
        await bob.login("pw", name="bob")
        got: list[ChatMessage] = []

        async def read() -> None:
            async for item in bob.events():
                if isinstance(item, ChatMessage):
                    got.append(item)

        reader = asyncio.create_task(read())
        # Sent together with the drain: each is answered on the old link or the next.
        sends = [asyncio.create_task(ann.request(OneChat(bob_id, f"m{n}"))) for n in range(20)]
        draining = asyncio.create_task(server.drain())
        acks = await asyncio.wait_for(asyncio.gather(*sends, draining), 10)
        mids = {ack.mid for ack in acks[:-1] if ack is not None}
        assert len(mids) == 20
        assert server.draining is not None and server.draining.remaining == 0
        reader.cancel()
        assert {chat.mid for chat in got} <= mids
    finally:
        await ann.close()
        await bob.close()
        await server.shutdown()
