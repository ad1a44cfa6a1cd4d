"""Fuzzing a live server over real sockets: random and mutated frames never break it.

The server runs on an event loop in a thread of its own, so that Hypothesis can drive a
plain blocking socket per example. Each example is a byte stream: frames of every msgid,
valid or mutated (wrong types, huge numbers, deep nesting, unicode, NULs and newlines in
odd places, truncations), random bytes, frames merged or cut, sent in random pieces. A
PING sent after it proves the server processed all of it: its PONG comes after the
answers to everything before. Two other clients chat all the while and must lose nothing.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import socket
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatapp.protocol import (
    AddFriend,
    AddGroup,
    CreateGroup,
    Delivered,
    Errno,
    FrameSplitter,
    FriendAnswer,
    FriendCancel,
    FriendRequest,
    GroupChat,
    History,
    Logout,
    MsgId,
    OneChat,
    ProtocolError,
    Sync,
    Unfriend,
    decode_request,
)
from chatapp.server.app import ChatServer
from chatapp.server.config import Config
from tests.server.conftest import TEST_HASH_COST
from tests.wire import WireClient

T = TypeVar("T")

MAX_FRAME = 8192  # small, so that frames over the limit are cheap to make
ALICE, BOB, FUZZER, GROUP = 1, 2, 3, 1
# Requests answered by nothing when they succeed: DELIVERED always, those answered by ACK
# in the legacy dialect (which a LOGIN without "v" chooses), where ACK is not sent.
MAYBE_SILENT = (
    Delivered,
    Logout,
    OneChat,
    AddFriend,
    CreateGroup,
    AddGroup,
    GroupChat,
    Sync,
    History,
    FriendRequest,
    FriendAnswer,
    FriendCancel,
    Unfriend,
)
# What answers a request; anything else the server sends is pushed (chats, presence).
ANSWERS = {MsgId.LOGIN_ACK, MsgId.REG_ACK, MsgId.ACK, MsgId.ERROR, MsgId.PONG}
# Pace of the two chatting clients, well inside the default rate limit.
CHAT_PACE_SECONDS = 0.03

TEMPLATES: list[dict[str, Any]] = [
    {"msgid": 1, "id": FUZZER, "password": "pw", "v": 2, "rid": 1},
    {"msgid": 1, "name": "fuzzer", "password": "pw", "last": 0},
    {"msgid": 1, "token": "Zq3abc", "v": 2, "rid": "t"},
    {"msgid": 3, "id": FUZZER, "rid": 2},
    {"msgid": 4, "name": "newcomer", "password": "pw", "v": 2, "rid": 3},
    {"msgid": 6, "toid": ALICE, "msg": "hi", "cid": "c-1", "rid": 4},
    {"msgid": 6, "id": FUZZER, "name": "x", "toid": FUZZER, "msg": "me", "time": "2020"},
    {"msgid": 7, "friendid": BOB, "rid": 5},
    {"msgid": 8, "groupname": "fuzz group", "groupdesc": "d", "rid": 6},
    {"msgid": 9, "groupid": GROUP, "rid": 7},
    {"msgid": 10, "groupid": GROUP, "msg": "group hi", "cid": "c-2", "rid": 8},
    {"msgid": 14, "rid": "k"},
    {"msgid": 17, "seq": 1},
    {"msgid": 18, "last": 0, "limit": 10, "rid": 9},
    {"msgid": 19, "peer": ALICE, "before": 2**52, "limit": 5, "rid": 10},
    {"msgid": 19, "groupid": GROUP, "rid": 11},
    {"msgid": 24, "to": BOB, "rid": 12},
    {"msgid": 25, "from": ALICE, "accept": True, "rid": 13},
    {"msgid": 26, "to": BOB, "rid": 14},
    {"msgid": 27, "friendid": ALICE, "rid": 15},
    {"msgid": 28, "dir": "in", "after": 0, "limit": 3, "rid": 16},
    # Server-to-client messages sent the wrong way.
    {"msgid": 2, "errno": 0, "id": 1, "name": "a", "friends": [], "groups": []},
    {"msgid": 5, "errno": 0, "id": 1},
    {"msgid": 11, "re": 6, "errno": 0, "mid": 1},
    {"msgid": 12, "errno": 20, "errmsg": "x"},
    {"msgid": 13, "id": 1, "name": "a", "state": "online"},
    {"msgid": 15, "rid": 1},
    {"msgid": 16, "id": 1, "name": "a", "state": "online"},
    {"msgid": 29, "event": "request", "user": {"id": 1, "name": "a"}},
]

ODD_INTS = [0, -1, 1, 2**31, 2**53, 2**63 - 1, 2**63, -(2**63) - 1, 10**40]
ODD_TEXT = ["", " ", "\0", "\n", "a\0b", "\r\n", "é", "😀" * 300, "\u202e", "\ufeff", "x" * 70]
SPECIAL_BYTES = [b"\n", b"\0", b"\r", b"{", b"}", b"[", b'"', b"\\", b",", b":", b"\xff", b"\xc0"]

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(ODD_INTS),
    st.floats(),  # NaN and infinities come out as invalid JSON, which is the point
    st.text(max_size=20),
    st.sampled_from(ODD_TEXT),
)
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A frame of some msgid, with fields changed, dropped or added, then bytes bent."""
    obj = dict(draw(st.sampled_from(TEMPLATES)))
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from([*obj, "msgid", "rid", "v", "id", draw(st.text(max_size=4))]))
        if draw(st.booleans()):
            obj[key] = draw(values)
        else:
            obj.pop(key, None)
    data = json.dumps(obj, ensure_ascii=draw(st.booleans())).encode()
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["cut", "insert", "delete", "repeat"]))
        if op == "cut":
            data = data[:at]
        elif op == "insert":
            extra = draw(st.sampled_from(SPECIAL_BYTES) | st.binary(min_size=1, max_size=4))
            data = data[:at] + extra + data[at:]
        elif op == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 8)) :]
        else:
            data = data[:at] + data[at : at + 16] * draw(st.integers(2, 4)) + data[at:]
    return data


@st.composite
def deep(draw: st.DrawFn) -> bytes:
    """Nesting far past what any parser should follow, as a field or as the whole frame."""
    depth = draw(st.integers(1, 3000))
    opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
    nested = opener * depth + (b"1" if opener != b"[" else b"") + closer * depth
    msgid = draw(st.sampled_from([t["msgid"] for t in TEMPLATES]))
    return draw(st.sampled_from([nested, b'{"msgid":%d,"msg":%s}' % (msgid, nested)]))


@st.composite
def oversized(draw: st.DrawFn) -> bytes:
    """A chat around the frame limit: just under it is served, over it closes the stream."""
    size = draw(st.integers(MAX_FRAME - 64, MAX_FRAME + 64))
    head = b'{"msgid":6,"toid":1,"msg":"'
    return head + b"x" * max(0, size - len(head) - 2) + b'"}'


valid = st.builds(lambda t: json.dumps(t).encode(), st.sampled_from(TEMPLATES))
frames = st.one_of(
    valid,
    valid,  # twice as likely: after a login, valid requests reach deep into the handlers
    mutated(),
    st.binary(max_size=64),
    deep(),
)
# A valid login first, in either dialect, so that what follows reaches the handlers.
LOGINS = [
    b'{"msgid":1,"id":%d,"password":"pw","v":2}' % FUZZER,
    b'{"msgid":1,"id":%d,"password":"pw"}' % FUZZER,
]


@dataclass(frozen=True)
class Stream:
    """What one example sends: frames joined by separators, cut into pieces."""

    pieces: list[bytes]

    @property
    def data(self) -> bytes:
        return b"".join(self.pieces)


@st.composite
def streams(draw: st.DrawFn) -> Stream:
    parts = draw(st.lists(frames, min_size=1, max_size=6))
    if draw(st.booleans()):
        parts.insert(0, draw(st.sampled_from(LOGINS)))
    if draw(st.integers(0, 9)) == 0:  # rarely: a frame over the limit ends the stream
        parts.insert(draw(st.integers(0, len(parts))), draw(oversized()))
    separators = st.sampled_from([b"\n", b"\0", b"\r\n", b"\0\n", b"\n\n", b""])  # "": merged
    data = b"".join(part + draw(separators) for part in parts)
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=4)))
    bounds = [0, *cuts, len(data)]
    return Stream([data[a:b] for a, b in itertools.pairwise(bounds)])


# --- the server in a thread, and the two chatting clients ------------------------------


class LiveServer:
    """A ChatServer on an event loop of its own thread, for blocking clients to drive."""

    def __init__(self, config: Config) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="server", daemon=True)
        self.thread.start()
        self.server = self.run(self._start(config))

    @staticmethod
    async def _start(config: Config) -> ChatServer:
        server = ChatServer(config)
        await server.start()
        return server

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        try:
            self.run(self.server.shutdown())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()


async def log_in(port: int, user_id: int) -> WireClient:
    client = await WireClient.connect(port, max_frame=MAX_FRAME)
    ack = await client.request(msgid=MsgId.LOGIN, id=user_id, password="pw", v=2)
    assert ack["errno"] == 0, ack
    return client


async def chat_from(sender: WireClient, receiver: WireClient, sender_id: int, text: str) -> None:
    """One chat, which must arrive next among the chats from this sender."""
    to = ALICE if sender_id == BOB else BOB
    ack = await sender.request(msgid=MsgId.ONE_CHAT, toid=to, msg=text)
    assert ack["errno"] == 0, ack
    while True:  # the fuzzer may push its own chats, presence and friend notices
        got = await receiver.recv()
        if got.get("msgid") == MsgId.ONE_CHAT and got.get("id") == sender_id:
            assert got["msg"] == text, got
            return


class Chatters:
    """Alice and Bob chatting back and forth until stopped; counts what arrived."""

    def __init__(self, live: LiveServer) -> None:
        self.live = live
        self.stopping = asyncio.Event()
        self.task = asyncio.run_coroutine_threadsafe(self._chat(), live.loop)

    async def _chat(self) -> int:
        port = self.live.server.port
        alice, bob = await log_in(port, ALICE), await log_in(port, BOB)
        count = 0
        try:
            while not self.stopping.is_set():
                await chat_from(alice, bob, ALICE, f"a{count}")
                await chat_from(bob, alice, BOB, f"b{count}")
                count += 1
                await asyncio.sleep(CHAT_PACE_SECONDS)  # a human's pace, not a wait
        finally:
            await alice.close()
            await bob.close()
        return count

    def stop(self) -> int:
        self.live.loop.call_soon_threadsafe(self.stopping.set)
        return self.task.result(30)


async def setup_accounts(port: int) -> None:
    client = await WireClient.connect(port)
    for name in ("alice", "bob", "fuzzer"):
        assert (await client.request(msgid=MsgId.REG, name=name, password="pw", v=2))["errno"] == 0
    ack = await client.request(msgid=MsgId.LOGIN, id=ALICE, password="pw", v=2)
    assert ack["errno"] == 0
    group = await client.request(msgid=MsgId.CREATE_GROUP, groupname="g")
    assert group["groupid"] == GROUP
    await client.close()


# --- one example -------------------------------------------------------------------------


def expected_answers(data: bytes) -> tuple[int, int, bool]:
    """(answers due, answers that may be missing, whether the frame limit is hit)."""
    splitter = FrameSplitter(MAX_FRAME)
    due = maybe = 0
    for frame in splitter.feed(data + b"\n"):
        try:
            request = decode_request(frame)
        except ProtocolError:
            due += 1
            continue
        if isinstance(request, MAYBE_SILENT):
            maybe += 1
        else:
            due += 1
    return due, maybe, splitter.overflowed


def exchange(port: int, stream: Stream, marker: str) -> tuple[list[dict[str, Any]], bool]:
    """Sends the stream and a PING; returns what came back and whether the PONG did."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        end = b'\n{"msgid":14,"rid":"%s"}\n' % marker.encode()
        try:
            for piece in [*stream.pieces, end]:
                sock.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed early: read what was said before
        splitter = FrameSplitter(1 << 24)
        received: list[dict[str, Any]] = []
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                data = b""
            if not data:
                return received, False
            for frame in splitter.feed(data):
                obj = orjson.loads(frame)  # the server's own output is always valid
                assert isinstance(obj, dict) and type(obj.get("msgid")) is int, obj
                if obj == {"msgid": MsgId.PONG, "rid": marker}:
                    return received, True
                received.append(obj)


def check_example(port: int, stream: Stream, marker: str) -> None:
    due, maybe, overflow = expected_answers(stream.data)
    received, ponged = exchange(port, stream, marker)
    answers = [r for r in received if r["msgid"] in ANSWERS]
    assert all(r.get("errno") != Errno.INTERNAL for r in answers), answers
    if ponged:
        assert not overflow, answers
        assert due <= len(answers) <= due + maybe, (due, maybe, answers)
        return
    # Closed: only for a frame over the limit, or for hammering past the rate limit.
    assert answers, "closed without a word"
    last = answers[-1]
    assert (last["msgid"], last["errno"]) in {
        (MsgId.ERROR, Errno.FRAME_TOO_LARGE),
        (MsgId.ERROR, Errno.RATE_LIMITED),
    }, answers
    if last["errno"] == Errno.FRAME_TOO_LARGE:
        assert overflow
        assert due <= len(answers) - 1 <= due + maybe, (due, maybe, answers)


# --- the test ------------------------------------------------------------------------------


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    config = Config(
        port=0,
        storage=f"sqlite:///{tmp_path}/fuzz.db",
        hash_cost=TEST_HASH_COST,
        max_frame=MAX_FRAME,
        # Fuzzed logins fail often, and every client here comes from 127.0.0.1: locks
        # would soon refuse every login, and keep the fuzzer out of the handlers.
        login_failures=0,
        login_address_failures=0,
    )
    server = LiveServer(config)
    try:
        yield server
    finally:
        server.stop()


def test_fuzzed_frames_never_break_the_server_or_its_other_clients(
    live: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    port = live.server.port
    live.run(setup_accounts(port))
    chatters = Chatters(live)
    markers = itertools.count()

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(stream=streams())
    def fuzz(stream: Stream) -> None:
        check_example(port, stream, f"end-{next(markers)}")

    with caplog.at_level(logging.WARNING):
        fuzz()
    chatted = chatters.stop()
    assert chatted > 0  # and every one of their chats arrived, in order
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]

    async def still_serving() -> None:
        client = await WireClient.connect(port)
        reply = await client.request(msgid=MsgId.REG, name="afterwards", password="pw", v=2)
        ack = await client.request(msgid=MsgId.LOGIN, id=reply["id"], password="pw", v=2)
        assert ack["errno"] == 0, ack
        chat = await client.request(msgid=MsgId.ONE_CHAT, toid=ALICE, msg="hello")
        assert chat["errno"] == 0, chat
        await client.quiet()
        await client.close()

    live.run(still_serving())
