"""Deliveries: acknowledgements, copies dropped, gaps filled, resume tokens and chat retries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chatapp.client.net import Backoff, Connection, LinkChanged, LinkState, LoggedIn
from chatapp.client.net.receipts import Receipts
from chatapp.protocol import (
    AddFriend,
    ChatMessage,
    Delivered,
    History,
    Login,
    OneChat,
    Presence,
    Sync,
)
from chatapp.server.app import ChatServer
from chatapp.tools.services import free_port

from ..conftest import holds, quick_connection, server_config, until
from .fake_server import FakeServer
from .proxy import Proxy
from .test_connection import TIMEOUT, next_matching

SECRET = "alice-secret"


def chat(seq: int, text: str) -> ChatMessage:
    return ChatMessage(2, "bob", 1, text, "2025-03-14 09:00:00", 100 + seq, 0, seq)


@pytest.fixture
async def fake() -> AsyncIterator[FakeServer]:
    server = FakeServer()
    await server.start()
    yield server
    await server.stop()


def acks(fake: FakeServer) -> list[int]:
    return [r.seq for r in fake.received if isinstance(r, Delivered)]


# --- Receipts alone ---------------------------------------------------------------------


def test_receipts_hold_the_highest_number_without_a_gap() -> None:
    receipts = Receipts()
    assert receipts.due() is None
    assert [receipts.take(seq) for seq in (7, 9, 9, 7)] == [True, True, False, False]
    assert (receipts.floor, receipts.gap, receipts.due()) == (7, True, 7)
    assert receipts.take(8) and (receipts.floor, receipts.gap) == (9, False)
    receipts.acked = 9
    assert receipts.due() is None
    resumed = Receipts(floor=4)  # a login with last=4 resumes after 4
    assert not resumed.take(4) and resumed.take(5) and resumed.due() == 5


# --- Against the fake server ------------------------------------------------------------


async def test_copies_are_dropped_and_the_highest_held_number_is_acknowledged(
    fake: FakeServer,
) -> None:
    fake.offline = (chat(1, "stored"),)
    fake.pushed = [chat(1, "stored"), chat(2, "live"), chat(2, "live")]  # copies on the way
    conn = Connection("127.0.0.1", fake.port, ack_interval=0.01)
    ack = await conn.login("pw", name="alice")
    assert [m.msg for m in ack.offlinemsg] == ["stored"]
    await until(lambda: acks(fake)[-1:] == [2])
    await conn.close()
    chats = [item.msg async for item in conn.events() if isinstance(item, ChatMessage)]
    assert chats == ["live"]
    assert acks(fake) == sorted(set(acks(fake)))  # each number acknowledged once, rising


async def test_a_gap_that_stays_is_filled_with_sync(fake: FakeServer) -> None:
    fake.log = [chat(1, "one"), chat(2, "two"), chat(3, "three")]
    fake.pushed = [fake.log[0], fake.log[2]]  # two went astray
    conn = Connection("127.0.0.1", fake.port, ack_interval=0.01)
    conn.inbox.gap_grace = 0.02
    await conn.login("pw", name="alice")
    texts = []
    async with asyncio.timeout(TIMEOUT):
        async for item in conn.events():
            if isinstance(item, ChatMessage):
                texts.append(item.msg)
            if len(texts) == 3:
                break
    assert texts == ["one", "three", "two"]
    syncs = [r for r in fake.received if isinstance(r, Sync)]
    assert [s.last for s in syncs] == [1]
    await until(lambda: acks(fake)[-1:] == [3])
    await conn.close()


# --- Against the real server ------------------------------------------------------------


async def test_acknowledged_deliveries_do_not_come_again(server: ChatServer) -> None:
    alice = Connection("127.0.0.1", server.port, ack_interval=0.05)
    bob = Connection("127.0.0.1", server.port)
    alice_id = await alice.register("alice", SECRET)
    bob_id = await bob.register("bob", "bob-secret")
    await alice.login(SECRET, id=alice_id)
    await bob.login("bob-secret", id=bob_id)
    for text in ("one", "two", "three"):
        await bob.request(OneChat(alice_id, text))
    got = [await next_matching(alice, ChatMessage) for _ in range(3)]
    assert [(c.msg, c.seq) for c in got if isinstance(c, ChatMessage)] == [
        ("one", 1),
        ("two", 2),
        ("three", 3),
    ]
    await until(lambda: alice.inbox.receipts.acked == 3)
    await alice.request(History(peer=bob_id))  # answered after the DELIVERED before it
    await alice.logout()
    await bob.request(OneChat(alice_id, "four"))
    await server.journal.drain()
    again = await alice.login(SECRET, id=alice_id)
    assert [(m.msg, m.seq) for m in again.offlinemsg] == [("four", 4)]
    await alice.close()
    await bob.close()


async def test_reconnects_after_a_restart_with_the_token_not_the_password(
    tmp_path: Path,
) -> None:
    port = free_port()
    first = ChatServer(server_config(tmp_path, port))
    await first.start()
    conn, bob = quick_connection("127.0.0.1", port), quick_connection("127.0.0.1", port)
    alice_id = await conn.register("alice", SECRET)
    bob_id = await bob.register("bob", "bob-secret")
    await conn.login(SECRET, id=alice_id)
    await bob.login("bob-secret", id=bob_id)
    await bob.request(OneChat(alice_id, "before"))
    await next_matching(conn, ChatMessage, msg="before")
    assert holds([Login(password=SECRET)], SECRET)  # the search does find a password
    assert not holds(conn, SECRET)
    await first.shutdown()
    await next_matching(conn, LinkChanged, state=LinkState.RECONNECTING)
    second = ChatServer(server_config(tmp_path, port))
    await second.start()
    try:
        login = await next_matching(conn, LoggedIn, again=True)
        assert isinstance(login, LoggedIn) and login.ack.id == alice_id
        assert login.ack.offlinemsg == ()  # `last` said "before" is held
        assert conn.state is LinkState.ONLINE and not holds(conn, SECRET)
        await next_matching(bob, LoggedIn, again=True)  # bob is back by himself too
        await bob.request(OneChat(alice_id, "after"))
        after = await next_matching(conn, ChatMessage)
        assert isinstance(after, ChatMessage) and (after.msg, after.seq) == ("after", 2)
    finally:
        await conn.close()
        await bob.close()
        await second.shutdown()


async def test_a_chat_in_flight_when_the_link_drops_is_logged_once(server: ChatServer) -> None:
    proxy = Proxy(server.port)
    await proxy.start()
    alice = Connection(
        "127.0.0.1", proxy.port, request_timeout=5.0, backoff=Backoff(base=0.02, cap=0.1)
    )
    bob = Connection("127.0.0.1", server.port)
    alice_id = await alice.register("alice", SECRET)
    bob_id = await bob.register("bob", "bob-secret")
    await bob.login("bob-secret", id=bob_id)
    await alice.login(SECRET, id=alice_id)
    await alice.request(AddFriend(bob_id))  # so that bob hears when alice's session ends,
    await bob.request(AddFriend(alice_id))  # once he has accepted
    proxy.hold_replies = True  # the ACK will be lost
    sending = asyncio.create_task(alice.request(OneChat(bob_id, "in flight")))
    first = await next_matching(bob, ChatMessage)
    proxy.down = True
    proxy.cut()
    # The server must let the old session go before the token can log in again.
    await next_matching(bob, Presence, id=alice_id, state="offline")
    proxy.hold_replies = proxy.down = False
    ack = await asyncio.wait_for(sending, TIMEOUT)
    assert isinstance(first, ChatMessage) and ack.mid == first.mid
    await alice.request(OneChat(bob_id, "after"))
    following = await next_matching(bob, ChatMessage)
    assert isinstance(following, ChatMessage) and following.msg == "after"
    page = await bob.request(History(peer=alice_id))
    assert [m.msg for m in page.messages or ()] == ["after", "in flight"]
    await alice.close()
    await bob.close()
    await proxy.stop()
