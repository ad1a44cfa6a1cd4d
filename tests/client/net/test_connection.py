"""Connection: requests and replies against a real ChatServer; drops and retries on a fake one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from chatapp.client.net import (
    Backoff,
    Connection,
    Disconnected,
    Incoming,
    LinkChanged,
    LinkState,
    LoggedIn,
    LoginNeeded,
    RequestFailed,
    RequestTimeout,
)
from chatapp.protocol import AddFriend, ChatMessage, Errno, Friends, Login, MsgId, OneChat
from chatapp.server.app import ChatServer

from ..conftest import until
from .fake_server import FakeServer

TIMEOUT = 10.0


async def next_matching(conn: Connection, wanted: type, **fields: object) -> Incoming:
    """The next item from `conn.events()` of type `wanted` whose fields match."""
    async with asyncio.timeout(TIMEOUT):
        async for item in conn.events():
            if isinstance(item, wanted) and all(getattr(item, k) == v for k, v in fields.items()):
                return item
    raise AssertionError("events ended")


class Sleeps:
    """An injected sleep that records each wait and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


@pytest.fixture
async def fake() -> AsyncIterator[FakeServer]:
    server = FakeServer()
    await server.start()
    yield server
    await server.stop()


def fake_connection(fake: FakeServer, sleeps: Sleeps, queue_timeout: float = 60.0) -> Connection:
    backoff = Backoff(base=1.0, factor=2.0, cap=8.0, jitter=0.5, rand=lambda: 0.0)
    return Connection(
        "127.0.0.1", fake.port, backoff=backoff, sleep=sleeps, queue_timeout=queue_timeout
    )


# --- Against the real server -----------------------------------------------------------


async def test_register_login_and_chat(server: ChatServer) -> None:
    alice, bob = Connection("127.0.0.1", server.port), Connection("127.0.0.1", server.port)
    alice_id = await alice.register("alice", "pw-a")
    bob_id = await bob.register("bob", "pw-b")
    ack = await alice.login("pw-a", name="alice")
    assert (ack.id, ack.name, ack.friends) == (alice_id, "alice", ())
    assert (await bob.login("pw-b", id=bob_id)).name == "bob"
    reply = await alice.request(OneChat(bob_id, "hi"))
    assert reply.re is MsgId.ONE_CHAT and reply.mid
    chat = await next_matching(bob, ChatMessage)
    assert isinstance(chat, ChatMessage) and (chat.id, chat.msg, chat.mid) == (
        alice_id,
        "hi",
        reply.mid,
    )
    friend = (await alice.request(AddFriend(bob_id))).friend
    assert friend is not None and friend.name == "bob"
    await alice.close()
    await bob.close()


async def test_refusals_raise_request_failed(server: ChatServer) -> None:
    conn, twin = Connection("127.0.0.1", server.port), Connection("127.0.0.1", server.port)
    with pytest.raises(Disconnected):
        await conn.request(OneChat(1, "too early"))
    user_id = await conn.register("carol", "pw")
    with pytest.raises(RequestFailed) as taken:
        await conn.register("carol", "pw")
    assert taken.value.errno is Errno.NAME_TAKEN
    with pytest.raises(RequestFailed) as bad:
        await conn.login("wrong", id=user_id)
    assert bad.value.errno is Errno.BAD_CREDENTIALS
    await conn.login("pw", id=user_id)
    twin.device = "twin"
    await twin.login("pw", name="carol")  # a second device is welcome
    with pytest.raises(RequestFailed) as nobody:
        await conn.request(AddFriend(99999))
    assert nobody.value.errno is Errno.NO_SUCH_USER
    await conn.logout()
    assert conn.state is LinkState.CONNECTED
    await conn.close()
    await twin.close()


async def test_unreachable_server_raises_disconnected() -> None:
    conn = Connection("127.0.0.1", 1, request_timeout=2.0)
    with pytest.raises(Disconnected, match="cannot reach"):
        await conn.login("pw", name="nobody")
    assert conn.state is LinkState.OFFLINE


# --- Drops and reconnection against the fake server ------------------------------------


async def test_reconnects_with_growing_backoff_and_sends_queued(fake: FakeServer) -> None:
    sleeps = Sleeps()
    conn = fake_connection(fake, sleeps)
    await conn.login("pw", name="alice")
    fake.down = True
    fake.drop_all()
    await next_matching(conn, LinkChanged, state=LinkState.RECONNECTING, attempt=4)
    queued = asyncio.create_task(conn.request(OneChat(2, "typed while down")))
    fake.down = False
    login = await next_matching(conn, LoggedIn)
    assert isinstance(login, LoggedIn) and login.again
    assert (await asyncio.wait_for(queued, TIMEOUT)).mid
    assert sleeps.delays[:4] == [1.0, 2.0, 4.0, 8.0]  # doubling; rand() is 0, so no jitter
    chats = [r for r in fake.received if isinstance(r, OneChat)]
    assert [c.msg for c in chats] == ["typed while down"]
    await conn.close()


async def test_in_flight_chat_goes_again_with_its_cid_after_the_token_login(
    fake: FakeServer,
) -> None:
    conn = fake_connection(fake, Sleeps())
    await conn.login("pw", name="alice")
    fake.answer_chats = False  # the ACK is lost with the link
    in_flight = asyncio.create_task(conn.request(OneChat(2, "lost in transit")))
    await until(lambda: any(isinstance(r, OneChat) for r in fake.received))
    fake.answer_chats = True
    fake.drop_all()
    assert (await asyncio.wait_for(in_flight, TIMEOUT)).mid
    chats = [r for r in fake.received if isinstance(r, OneChat)]
    assert [c.msg for c in chats] == ["lost in transit"] * 2
    assert chats[0].cid and chats[0].cid == chats[1].cid
    logins = [r for r in fake.received if isinstance(r, Login)]
    assert (logins[1].token, logins[1].password, logins[1].id) == ("token-1", None, 1)
    await conn.close()


async def test_a_chat_refused_as_unavailable_goes_again_with_its_cid(fake: FakeServer) -> None:
    conn = fake_connection(fake, Sleeps())
    await conn.login("pw", name="alice")
    fake.unavailable = 2  # errno 51: it may have been logged, so it is not a refusal
    conn._pending.retry_pause = 0.01
    assert (await asyncio.wait_for(conn.request(OneChat(2, "try again")), TIMEOUT)).mid
    chats = [r for r in fake.received if isinstance(r, OneChat)]
    assert len(chats) == 3 and len({c.cid for c in chats}) == 1
    await conn.close()


async def test_in_flight_request_unsafe_to_repeat_fails_when_the_link_drops(
    fake: FakeServer,
) -> None:
    conn = fake_connection(fake, Sleeps())
    await conn.login("pw", name="alice")
    in_flight = asyncio.create_task(conn.request(AddFriend(2)))  # the fake never answers
    await until(lambda: any(isinstance(r, AddFriend) for r in fake.received))
    fake.drop_all()
    with pytest.raises(Disconnected):
        await asyncio.wait_for(in_flight, TIMEOUT)
    await next_matching(conn, LoggedIn, again=True)
    assert sum(isinstance(r, AddFriend) for r in fake.received) == 1
    await conn.close()


async def test_refused_token_gives_up_keeps_the_chats_and_asks_for_a_login(
    fake: FakeServer,
) -> None:
    conn = fake_connection(fake, Sleeps())
    await conn.login("pw", name="alice")
    fake.login_errno = Errno.BAD_CREDENTIALS  # the token was revoked or expired meanwhile
    fake.down = True
    fake.drop_all()
    await next_matching(conn, LinkChanged, state=LinkState.RECONNECTING)
    queued = asyncio.create_task(conn.request(OneChat(2, "never")))
    fake.down = False
    needed = await next_matching(conn, LoginNeeded)
    assert isinstance(needed, LoginNeeded) and "login refused" in needed.reason
    assert conn.state is LinkState.OFFLINE
    refused = [r for r in fake.received if isinstance(r, Login)][-1]
    assert (refused.token, refused.password) == ("token-1", None)
    with pytest.raises(Disconnected):
        await conn.request(OneChat(2, "nobody to log in"))
    assert not queued.done()  # a chat typed is not lost: it waits for the user's login
    fake.login_errno = Errno.OK
    await conn.login("pw", name="alice")
    assert (await asyncio.wait_for(queued, TIMEOUT)).mid
    await conn.close()


async def test_queued_request_times_out_while_server_stays_down(fake: FakeServer) -> None:
    conn = fake_connection(fake, Sleeps(), queue_timeout=0.2)
    await conn.login("pw", name="alice")
    fake.down = True
    fake.drop_all()
    await next_matching(conn, LinkChanged, state=LinkState.RECONNECTING)
    with pytest.raises(RequestTimeout):  # a read; a chat would wait for as long as it takes
        await conn.request(Friends())
    await conn.close()


async def test_silent_server_is_detected_by_heartbeat(fake: FakeServer) -> None:
    conn = Connection(
        "127.0.0.1",
        fake.port,
        ping_interval=0.05,
        request_timeout=0.1,
        backoff=Backoff(base=0.01),
    )
    await conn.login("pw", name="alice")
    fake.answer_pings = False
    await next_matching(conn, LinkChanged, state=LinkState.RECONNECTING)
    fake.answer_pings = True
    await next_matching(conn, LoggedIn, again=True)
    assert fake.logins >= 2
    await conn.close()


async def test_error_reply_and_close_end_the_stream(fake: FakeServer) -> None:
    conn = fake_connection(fake, Sleeps())
    await conn.login("pw", name="alice")
    with pytest.raises(RequestFailed) as refused:
        await conn.request(OneChat(404, "nobody"))
    assert refused.value.errno is Errno.NO_SUCH_USER
    await conn.close()
    items = [item async for item in conn.events()]
    assert isinstance(items[-1], LinkChanged) and items[-1].state is LinkState.CLOSED


def test_backoff_grows_caps_and_jitters() -> None:
    still = Backoff(base=0.5, factor=2.0, cap=5.0, jitter=0.5, rand=lambda: 0.0)
    assert [still.delay(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    low = Backoff(base=0.5, factor=2.0, cap=5.0, jitter=0.5, rand=lambda: 1.0)
    assert low.delay(3) == 2.0
    assert Backoff().delay(10_000) <= 30.0
