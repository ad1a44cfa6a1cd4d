"""A legacy client's deliveries count as delivered only once they have left the server:
Handover on its own, then a client that reads slowly and is dropped at the outbound limit,
which loses nothing, over real sockets."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest

from chatapp.protocol import FrameSplitter, MsgId
from chatapp.server.app import ChatServer
from chatapp.server.config import Config
from chatapp.server.handover import Handover
from chatapp.server.session import Session
from tests.server.conftest import TEST_HASH_COST, Users, running
from tests.wire import TIMEOUT

LIMIT = 64 * 1024
WIDTH = 16_000  # each chat as long as allowed, so that a few fill the server's buffer
MOST = 2_000  # chats the test sends at most: the kernel's buffers take a few MiB
READS = MOST * WIDTH // 1024  # reads the test makes at most: a small window gives a few KiB each


class Line:
    """A Handover on a connection whose numbers move by hand, and what it acknowledged."""

    def __init__(self) -> None:
        self.written = 0
        self.buffered = 0
        self.unsent = 0
        self.closing = False
        self.acks: list[int] = []
        self.acked = asyncio.Event()
        self.handover = Handover(self, self._ack, 7)

    def send(self, size: int, *, left: int, floor: int) -> None:
        """Writes `size` bytes that complete the deliveries up to `floor`, of which the
        kernel takes `left` at once."""
        if not self.closing:
            self.written += size
            self.buffered += size - left
        self.unsent = -1 if self.closing else self.buffered
        self.handover.written(floor)

    def handed_over(self) -> int | None:
        return None if self.closing else self.written - self.buffered

    def _ack(self, user_id: int, seq: int) -> None:
        assert user_id == 7
        self.acks.append(seq)
        self.acked.set()


async def test_what_the_kernel_takes_at_once_counts_at_once() -> None:
    line = Line()
    line.send(100, left=100, floor=3)
    assert line.acks == [3]


async def test_what_is_still_buffered_counts_once_it_has_left() -> None:
    line = Line()
    line.send(100, left=60, floor=1)
    line.send(100, left=0, floor=2)
    line.send(100, left=0, floor=4)
    assert line.acks == []
    line.buffered -= 39  # the first write has all left but a byte
    line.handover.settle()
    assert line.acks == []
    line.buffered -= 101  # the first and second have left, the third not
    line.handover.settle()
    assert line.acks == [2]
    line.buffered = 0
    line.handover.settle()
    assert line.acks == [2, 4]
    line.handover.close()


async def test_what_is_buffered_is_looked_at_again_without_being_asked() -> None:
    line = Line()
    line.send(100, left=0, floor=5)
    line.buffered = 0
    async with asyncio.timeout(TIMEOUT):
        await line.acked.wait()
    assert line.acks == [5]


async def test_nothing_counts_once_the_connection_is_closing() -> None:
    line = Line()
    line.send(100, left=50, floor=1)
    line.send(100, left=0, floor=2)
    line.buffered = 100  # the first write left, then the connection was dropped
    line.closing = True
    line.handover.settle()
    line.send(100, left=100, floor=3)
    line.handover.close()
    assert line.acks == []


async def test_leaving_counts_what_left_and_nothing_after() -> None:
    line = Line()
    line.send(100, left=50, floor=1)
    line.send(100, left=0, floor=2)
    line.buffered = 100
    line.handover.close()  # a logout: the first write has left, the second is still buffered
    assert line.acks == [1]
    line.buffered = 0
    line.handover.settle()
    assert line.acks == [1]


# --- end to end --------------------------------------------------------------------------


class SlowReader:
    """A legacy client behind a small receive window that reads only when told to."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.splitter = FrameSplitter(max_frame=1 << 24)
        self.acks: list[dict[str, object]] = []
        self.texts: list[str] = []  # the chats read, in order

    @classmethod
    async def connect(cls, port: int) -> SlowReader:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        return cls(sock)

    async def login(self, user_id: int) -> None:
        frame = orjson.dumps({"msgid": MsgId.LOGIN, "id": user_id, "password": "pw"}) + b"\0"
        await asyncio.get_running_loop().sock_sendall(self.sock, frame)
        for _ in range(100):
            if self.acks:
                assert self.acks[0]["errno"] == 0, self.acks
                return
            assert await self.read(65536), "closed before the login ack"
        raise AssertionError("no login ack")

    async def read(self, size: int) -> bool:
        """Reads up to `size` bytes, what has come; False at the end of the stream."""
        async with asyncio.timeout(TIMEOUT):
            data = await asyncio.get_running_loop().sock_recv(self.sock, size)
        for frame in self.splitter.feed(data):
            obj = orjson.loads(frame)
            if obj["msgid"] == MsgId.ONE_CHAT:
                self.texts.append(obj["msg"])
            else:
                assert obj["msgid"] == MsgId.LOGIN_ACK, obj
                self.acks.append(obj)
        return bool(data)

    async def read_up_to(self, text: str, bite: int = 65536) -> None:
        """Reads, `bite` bytes at a time, until `text` has come."""
        for _ in range(READS):
            if text in self.texts:
                return
            assert await self.read(bite), f"closed before {text[:5]}"
        raise AssertionError(f"{text[:5]} never came")

    async def read_to_the_end(self) -> None:
        for _ in range(READS):
            if not await self.read(65536):
                return
        raise AssertionError("the connection was never closed")


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ChatServer]:
    storage = f"sqlite:///{tmp_path}/chat.db"
    config = Config(
        port=0, storage=storage, hash_cost=TEST_HASH_COST, max_outbound_bytes=LIMIT,
        rate_limit=0,
    )  # fmt: skip
    async with running(config) as chat:
        yield chat


@pytest.fixture
async def slow(server: ChatServer) -> AsyncIterator[SlowReader]:
    reader = await SlowReader.connect(server.port)
    yield reader
    reader.sock.close()


def session_of(server: ChatServer, user_id: int) -> Session:
    (session,) = [s for s in server.sessions if s.user is not None and s.user.id == user_id]
    return session


def buffered(session: Session) -> int:
    """Bytes the server wrote to the session and still holds: not yet handed to the kernel."""
    handed = session.handed_over()
    return 0 if handed is None else session.written - handed


async def test_a_slow_legacy_reader_dropped_at_the_limit_gets_the_rest_at_its_next_login(
    server: ChatServer, users: Users, slow: SlowReader
) -> None:
    _, alice = await users.online()
    bob = await users.register("bob")
    await slow.login(bob)
    texts = [f"{n:05} " + "x" * (WIDTH - 6) for n in range(MOST)]
    sent = 0

    async def send() -> None:
        nonlocal sent
        ack = await alice.request(msgid=MsgId.ONE_CHAT, toid=bob, msg=texts[sent])
        assert ack["errno"] == 0, ack
        sent += 1

    # Bob does not read until what the kernel takes is full and the server buffers the rest,
    while not buffered(session_of(server, bob)):
        assert sent < MOST // 2, "the server never had to buffer"
        await send()
    # then reads slowly, in small bites, until everything sent so far has come,
    await slow.read_up_to(texts[sent - 1], bite=8192)
    await send()
    await slow.read_up_to(texts[sent - 1])
    read_before_the_stop = sent
    # then stops reading, and the server drops him at the limit; more is sent while he is away.
    while await server.bus.online([bob]):
        assert sent < MOST - 5, "the slow reader was never dropped"
        await send()
    sent_before_the_drop = sent
    for _ in range(5):
        await send()
    # What the kernel had taken still comes on the dropped connection, and no more.
    await slow.read_to_the_end()
    first = slow.texts
    assert first[:read_before_the_stop] == texts[:read_before_the_stop]
    assert len(first) < sent_before_the_drop
    await server.journal.drain()

    again = await users.connect(legacy=True)
    await again.send(msgid=MsgId.LOGIN, id=bob, password="pw")
    ack = await again.expect(MsgId.LOGIN_ACK)
    second = [orjson.loads(item)["msg"] for item in ack.get("offlinemsg", [])]
    for _ in range(sent):
        if set(first) | set(second) >= set(texts[:sent]):
            break
        second.append((await again.expect(MsgId.ONE_CHAT))["msg"])
    await again.quiet()
    # Nothing is lost; what had left and been read before the stop is not sent again.
    assert set(first) | set(second) == set(texts[:sent])
    assert not set(second) & set(texts[:read_before_the_stop])
    assert second == sorted(second)
    # What the second login had, in its ack and after it, has left: it is done with.
    await again.send(msgid=MsgId.LOGOUT, id=bob)
    await again.quiet()
    await server.journal.drain()
    await again.send(msgid=MsgId.LOGIN, id=bob, password="pw")
    assert "offlinemsg" not in await again.expect(MsgId.LOGIN_ACK)
    await again.quiet()
