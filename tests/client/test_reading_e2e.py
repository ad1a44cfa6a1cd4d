"""Read markers end to end against a real server: unread counts at login, READ from one of
alice's devices clearing her other's, bob seeing that alice read his message, and READ
sent once per newest message."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from pathlib import Path

from textual import events

from chatapp.client.app import ChatApp
from chatapp.client.conversation import ConvKey, Kind
from chatapp.client.net import Connection, Sendable
from chatapp.client.reading import Reader
from chatapp.client.session import Session
from chatapp.client.state import ChatState
from chatapp.client.widgets.message_log import MessageLog
from chatapp.client.widgets.message_rows import Divider
from chatapp.protocol import (
    Ack,
    AddFriend,
    AddGroup,
    ChatMessage,
    Conversations,
    CreateGroup,
    GroupChat,
    OneChat,
    Read,
)
from chatapp.server.app import ChatServer

from .conftest import make_app, quick_connection, until
from .test_e2e import SIZE, say, sign_in, texts


def device(name: str) -> Callable[[str, int], Connection]:
    """Connections that log in as device `name`: two apps of one account are two devices."""

    def make(host: str, port: int) -> Connection:
        conn = quick_connection(host, port)
        conn.device = name
        return conn

    return make


async def friends(server: ChatServer) -> tuple[Connection, int, int]:
    """alice and bob, friends; bob's connection, logged in, and both ids."""
    alice, bob = (
        quick_connection("127.0.0.1", server.port),
        quick_connection("127.0.0.1", server.port),
    )
    alice_id = await alice.register("alice", "alice-secret")
    bob_id = await bob.register("bob", "bob-secret")
    await alice.login("alice-secret", id=alice_id)
    await bob.login("bob-secret", id=bob_id)
    await alice.request(AddFriend(bob_id))
    await bob.request(AddFriend(alice_id))
    await alice.close()
    return bob, alice_id, bob_id


def counts(app: ChatApp, one: ConvKey, other: ConvKey, expected: tuple[int, int]) -> bool:
    return (app.state.unread(one), app.state.unread(other)) == expected


def divided(app: ChatApp) -> bool:
    """The open conversation's log shows the new-messages divider."""
    return any(isinstance(item, Divider) for item in app.screen.query_one(MessageLog)._items)


async def test_reading_on_one_device_clears_the_unread_count_on_the_other(
    server: ChatServer, tmp_path: Path
) -> None:
    bob, alice_id, bob_id = await friends(server)
    group_id = (await bob.request(CreateGroup("devs"))).groupid or 0
    alice_raw = quick_connection("127.0.0.1", server.port)
    await alice_raw.login("alice-secret", id=alice_id)
    await alice_raw.request(AddGroup(group_id))
    await alice_raw.close()
    for text in ("are you there?", "lunch at noon"):
        await bob.request(OneChat(alice_id, text))
    for text in ("standup moved", "to 10:30", "see you"):
        await bob.request(GroupChat(group_id, text))
    bob_chat, devs = ConvKey(Kind.USER, bob_id), ConvKey(Kind.GROUP, group_id)
    laptop = make_app(server.port, tmp_path / "laptop", device("laptop"))
    phone = make_app(server.port, tmp_path / "phone", device("phone"))
    async with laptop.run_test(size=SIZE) as pl, phone.run_test(size=SIZE) as pp:
        await sign_in(laptop, pl, "alice")
        await sign_in(phone, pp, "alice")
        # Each device counts what the server counts, whichever got the offline messages.
        for app in (laptop, phone):
            await until(partial(counts, app, bob_chat, devs, (2, 3)))

        await say(phone, pp, "/msg bob")  # read on the phone...
        await until(lambda: divided(phone))
        await until(lambda: laptop.state.unread(bob_chat) == 0)  # ...and not unread on the laptop
        assert laptop.state.unread(devs) == 3
        assert phone.state.conversations[bob_chat].read == laptop.state.conversations[bob_chat].read

        await pp.press("alt+u")  # the divider is where the phone jumps to
        assert not any("No new messages" in n.message for n in phone._notifications)
    await bob.close()


async def test_bob_sees_that_alice_read_his_message(server: ChatServer, tmp_path: Path) -> None:
    raw, alice_id, bob_id = await friends(server)
    await raw.close()
    alice, bob = make_app(server.port, tmp_path / "a"), make_app(server.port, tmp_path / "b")
    async with alice.run_test(size=SIZE) as pa, bob.run_test(size=SIZE) as pb:
        await sign_in(alice, pa, "alice")
        await sign_in(bob, pb, "bob")
        await say(bob, pb, "/msg alice did you see the build?")
        alice_chat = ConvKey(Kind.USER, alice_id)
        await until(lambda: bool(bob.state.conversations[alice_chat].lines[-1].mid))
        line = bob.state.conversations[alice_chat].lines[-1]
        await until(lambda: alice.state.unread(ConvKey(Kind.USER, bob_id)) == 1)
        assert not line.seen  # delivered, not read

        await pa.press("alt+a")  # alice opens the unread conversation, and so reads it
        await until(lambda: line.seen)
        await pb.pause()
        log = bob.screen.query_one(MessageLog)
        shown = [log.render_line(y).text for y in range(log.size.height)]
        assert any("did you see the build?" in row and row.rstrip().endswith("✓✓") for row in shown)


class Counting(Connection):
    """A real connection that counts the READs it sends (the server is the real one)."""

    reads: list[Read]

    async def request(self, request: Sendable) -> Ack:
        if isinstance(request, Read):
            self.reads.append(request)
        return await super().request(request)


async def test_read_goes_once_per_newest_message_and_one_at_a_time(server: ChatServer) -> None:
    bob, alice_id, bob_id = await friends(server)
    conn = Counting("127.0.0.1", server.port)
    conn.reads = []
    state = ChatState(user_id=alice_id, user_name="alice")
    session = Session(state, lambda host, port: conn, lambda made: None)
    await session.sign_in("127.0.0.1", server.port, alice_id, "alice-secret")
    key, reader = ConvKey(Kind.USER, bob_id), Reader(interval=0)

    async def says(text: str) -> int:
        ack = await bob.request(OneChat(alice_id, text))
        state.receive(ChatMessage(bob_id, "bob", alice_id, text, "", ack.mid or 0, 0))
        return ack.mid or 0

    await says("one")
    second = await says("two")
    await asyncio.gather(reader.saw(session, key), reader.saw(session, key))
    await reader.saw(session, key)  # seen already: nothing to send
    third = await says("three")
    await reader.saw(session, key)
    assert [read.mid for read in conn.reads] == [second, third]
    listed = (await conn.request(Conversations())).conversations or ()
    assert [(info.read, info.unread) for info in listed] == [(third, 0)]
    await conn.close()
    await bob.close()


async def test_nothing_is_read_while_the_terminal_is_in_the_background(
    server: ChatServer, tmp_path: Path
) -> None:
    raw, alice_id, bob_id = await friends(server)
    await raw.close()
    made: list[Counting] = []

    def counting(host: str, port: int) -> Connection:
        conn = Counting(host, port, request_timeout=5.0)
        conn.reads = []
        made.append(conn)
        return conn

    alice = make_app(server.port, tmp_path / "a", counting)
    bob = make_app(server.port, tmp_path / "b")
    async with alice.run_test(size=SIZE) as pa, bob.run_test(size=SIZE) as pb:
        await sign_in(alice, pa, "alice")
        await sign_in(bob, pb, "bob")
        await say(alice, pa, "/msg bob")  # open, at the bottom...
        alice.post_message(events.AppBlur())  # ...but another window has the focus
        await until(lambda: not alice.app_focus)
        await say(bob, pb, "/msg alice are you there?")
        bob_chat = ConvKey(Kind.USER, bob_id)
        await until(lambda: texts(alice, bob_chat) == ["are you there?"])
        await pa.pause()
        assert made[-1].reads == []
        line = bob.state.conversations[ConvKey(Kind.USER, alice_id)].lines[-1]
        alice.post_message(events.AppFocus())  # back to the chat: now it is read
        await until(lambda: line.seen)
        assert len(made[-1].reads) == 1
