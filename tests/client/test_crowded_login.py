"""Done means (issue #12): chatapp-client logs in as a user who has 200 offline messages of
16,000 characters, 5,000 friends and membership of a 5,000-member group, and gets all of
it: the first pages in the login ack, every message once, every friend and every member.

The crowd is built through the storage API directly (registering 5,000 accounts over
sockets would take minutes); then a real server serves it to chatapp-client's own
Connection and Session over a real socket.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from chatapp.client.net import Connection, LinkChanged, LinkState, LoggedIn
from chatapp.client.session import Session
from chatapp.client.state import ChatState
from chatapp.protocol import ChatMessage, LoginAck
from chatapp.server.app import ChatServer
from chatapp.server.storage import Kind, NewMessage, StoredMessage, open_storage
from tests.server.crowd import PASSWORD, befriended, password_hash

from .conftest import quick_connection, server_config

OFFLINE, FRIENDS, MEMBERS, LONG = 200, 5000, 5000, 16_000
MID0, T0 = 1 << 40, 1_795_757_995_926


async def build_crowd(url: str) -> tuple[int, list[int], int, list[str]]:
    """The user, their friends, their group and the texts waiting for them, in storage."""
    storage = open_storage(url)
    await storage.open()
    try:
        me = (await storage.create_user("crowded", password_hash())).id
        friends = await befriended(storage, me, FRIENDS)
        group = (await storage.create_group("everyone", "", friends[0])).id
        for member in [*friends[1 : MEMBERS - 1], me]:
            await storage.join_group(group, member)
        texts = [f"{n:03d}" + chr(ord("a") + n % 26) * (LONG - 3) for n in range(OFFLINE)]
        sender = friends[0]
        batch = [
            NewMessage(
                StoredMessage(
                    MID0 + n, Kind.DIRECT, sender, "fan0", me, text, "2026-11-27 05:39:55", T0 + n
                ),
                (me,),
            )
            for n, text in enumerate(texts)
        ]
        await storage.log_messages(batch)
        return me, friends, group, texts
    finally:
        await storage.close()


async def logged_in_and_every_chat(conn: Connection) -> tuple[LoginAck, list[ChatMessage]]:
    """The login's ack, then the chats that follow it until OFFLINE are held; the link
    must never drop (an oversized frame would drop it)."""
    ack: LoginAck | None = None
    chats: list[ChatMessage] = []
    async with asyncio.timeout(60):
        async for item in conn.events():
            if isinstance(item, LinkChanged):
                assert item.state in (
                    LinkState.CONNECTING,
                    LinkState.CONNECTED,
                    LinkState.ONLINE,
                ), item
            elif isinstance(item, LoggedIn):
                ack = item.ack
                chats += [m for m in ack.offlinemsg if isinstance(m, ChatMessage)]
            elif isinstance(item, ChatMessage):
                chats.append(item)
            if ack is not None and len(chats) == OFFLINE:
                return ack, chats
    raise AssertionError("the events ended")


async def test_chatapp_client_logs_in_as_the_most_crowded_user(tmp_path: Path) -> None:
    config = server_config(tmp_path)
    me, friends, group, texts = await build_crowd(config.storage)
    server = ChatServer(config)
    await server.start()
    conn = quick_connection("127.0.0.1", server.port)
    state = ChatState()
    session = Session(state, lambda host, port: conn, lambda made: None)
    try:
        await session.sign_in("127.0.0.1", server.port, me, PASSWORD)
        ack, chats = await logged_in_and_every_chat(conn)
        assert (ack.max_frame, ack.more, ack.more_friends) == (config.max_frame, True, True)
        assert 1 <= len(ack.offlinemsg) < OFFLINE
        assert [f.id for f in ack.friends] == friends[: config.list_page]
        assert [(g.id, g.count) for g in ack.groups] == [(group, MEMBERS)]
        assert [(c.seq, c.msg) for c in chats] == [(n + 1, t) for n, t in enumerate(texts)]

        state.apply_login(ack)
        await session.rest_of_lists(ack)
        assert sorted(state.friends) == friends
        async with asyncio.timeout(60):
            while len(state.groups[group].users) < MEMBERS:
                await session.more_members(group)
        members = [u.id for u in state.groups[group].users]
        assert members == sorted([*friends[: MEMBERS - 1], me])
    finally:
        await conn.close()
        await server.shutdown()
