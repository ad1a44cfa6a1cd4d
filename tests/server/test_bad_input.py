"""Bad input of every kind gets an error on a still-open connection; other clients go on.

Fault 4 of the legacy server: any malformed frame aborted the whole process.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
import pytest

from chatapp.protocol import Errno, MsgId
from chatapp.server.config import Config
from tests.server.conftest import Connect, Users
from tests.server.steps import ONE_BACKEND, chat, make_friends, online
from tests.wire import WireClient

LIMITS = Config()
DEEP = 5000

# frame, errno, re (None: the reply has no `re`)
BAD_FRAMES: list[tuple[str, bytes, Errno, int | None]] = [
    ("not-json", b"hello", Errno.BAD_FRAME, None),
    ("half-object", b'{"msgid":4,"name":"x",', Errno.BAD_FRAME, None),
    ("unclosed-string", b'{"msgid":4,"name":"x', Errno.BAD_FRAME, None),
    ("array", b"[1,2,3]", Errno.BAD_FRAME, None),
    ("number", b"42", Errno.BAD_FRAME, None),
    ("string", b'"hello"', Errno.BAD_FRAME, None),
    ("null", b"null", Errno.BAD_FRAME, None),
    ("true", b"true", Errno.BAD_FRAME, None),
    ("two-objects", b'{"msgid":14}{"msgid":14}', Errno.BAD_FRAME, None),
    ("trailing-garbage", b'{"msgid":14} x', Errno.BAD_FRAME, None),
    ("invalid-utf8", b'{"msgid":14,"x":"\xff\xfe"}', Errno.BAD_FRAME, None),
    ("overlong-utf8", b'{"msgid":14,"x":"\xc0\xaf"}', Errno.BAD_FRAME, None),
    ("lone-surrogate", b'{"msgid":14,"x":"\\ud800"}', Errno.BAD_FRAME, None),
    ("deep-array", b'{"msgid":14,"x":' + b"[" * DEEP + b"]" * DEEP + b"}", Errno.BAD_FRAME, None),
    ("deep-object", b'{"a":' * DEEP + b"1" + b"}" * DEEP, Errno.BAD_FRAME, None),
    ("infinite-number", b'{"msgid":1e400}', Errno.BAD_FRAME, None),
    ("empty-object", b"{}", Errno.BAD_FIELD, None),
    ("msgid-string", b'{"msgid":"14"}', Errno.BAD_FIELD, None),
    ("msgid-float", b'{"msgid":14.0}', Errno.BAD_FIELD, None),
    ("msgid-bool", b'{"msgid":true}', Errno.BAD_FIELD, None),
    ("msgid-null", b'{"msgid":null}', Errno.BAD_FIELD, None),
    ("msgid-huge", b'{"msgid":123456789012345678901234567890}', Errno.BAD_FIELD, None),
    ("unknown-msgid", b'{"msgid":99}', Errno.UNKNOWN_MSGID, 99),
    ("negative-msgid", b'{"msgid":-1}', Errno.UNKNOWN_MSGID, -1),
    ("server-msgid", b'{"msgid":2}', Errno.UNKNOWN_MSGID, 2),
    ("msgid-2**63", b'{"msgid":9223372036854775808}', Errno.UNKNOWN_MSGID, 2**63),
]


def check_error(case: str, reply: dict[str, Any], errno: Errno, re: int | None) -> None:
    """`reply` is ERROR `errno` about msgid `re`, with a text and without a rid."""
    assert reply["msgid"] == MsgId.ERROR, (case, reply)
    assert (reply["errno"], reply.get("re")) == (errno, re), (case, reply)
    assert isinstance(reply["errmsg"], str) and reply["errmsg"], (case, reply)
    assert "rid" not in reply, (case, reply)


@ONE_BACKEND
@pytest.mark.parametrize("legacy", [False, True], ids=["v2", "legacy"])
async def test_each_bad_frame_gets_one_error_and_the_connection_stays_open(
    users: Users, connect: Connect, legacy: bool
) -> None:
    alice = await users.register("alice")
    client = await connect(legacy=legacy)
    for case, frame, errno, re in BAD_FRAMES:
        await client.send_raw(frame + (b"\0" if legacy else b"\n"))
        check_error(case, await client.recv(), errno, re)
        await client.quiet()
    # Still a working connection: it can log in and be served.
    await client.send(msgid=MsgId.LOGIN, id=alice, password="pw", v=1 if legacy else 2)
    assert (await client.expect(MsgId.LOGIN_ACK))["errno"] == 0


@ONE_BACKEND
async def test_bad_frames_do_not_disturb_a_logged_in_session(users: Users) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    await make_friends(b, bob, a, alice)
    await a.send_raw(b"".join(frame + b"\n" for _, frame, _, _ in BAD_FRAMES))
    for case, _, errno, re in BAD_FRAMES:
        check_error(case, await a.recv(), errno, re)
    await a.quiet()
    # Still logged in as alice, and bob never heard her go.
    await chat(a, bob, "still here")
    assert (await b.expect(MsgId.ONE_CHAT))["id"] == alice
    await b.quiet()


# --- fields ---------------------------------------------------------------------------

BAD_FIELDS: list[tuple[str, dict[str, Any]]] = [
    ("login-id-string", {"msgid": 1, "id": "1", "password": "pw"}),
    ("login-id-float", {"msgid": 1, "id": 1.0, "password": "pw"}),
    ("login-id-bool", {"msgid": 1, "id": True, "password": "pw"}),
    ("login-password-number", {"msgid": 1, "id": 1, "password": 123456}),
    ("login-no-password", {"msgid": 1, "id": 1}),
    ("login-no-id-or-name", {"msgid": 1, "password": "pw"}),
    ("login-name-number", {"msgid": 1, "name": 5, "password": "pw"}),
    ("login-v-string", {"msgid": 1, "id": 1, "password": "pw", "v": "2"}),
    ("reg-name-number", {"msgid": 4, "name": 5, "password": "pw"}),
    ("reg-name-list", {"msgid": 4, "name": ["a"], "password": "pw"}),
    ("reg-no-password", {"msgid": 4, "name": "x"}),
    ("reg-password-null", {"msgid": 4, "name": "x", "password": None}),
    ("chat-toid-string", {"msgid": 6, "toid": "2", "msg": "hi"}),
    ("chat-toid-float", {"msgid": 6, "toid": 2.5, "msg": "hi"}),
    ("chat-toid-null", {"msgid": 6, "toid": None, "msg": "hi"}),
    ("chat-no-toid", {"msgid": 6, "msg": "hi"}),
    ("chat-msg-number", {"msgid": 6, "toid": 2, "msg": 5}),
    ("chat-msg-object", {"msgid": 6, "toid": 2, "msg": {"text": "hi"}}),
    ("chat-no-msg", {"msgid": 6, "toid": 2}),
    ("chat-id-string", {"msgid": 6, "id": "1", "toid": 2, "msg": "hi"}),
    ("friend-id-string", {"msgid": 7, "friendid": "2"}),
    ("friend-id-list", {"msgid": 7, "friendid": [2]}),
    ("friend-missing", {"msgid": 7}),
    ("group-name-number", {"msgid": 8, "groupname": 1, "groupdesc": ""}),
    ("group-desc-number", {"msgid": 8, "groupname": "g", "groupdesc": 5}),
    ("group-missing", {"msgid": 8, "groupdesc": "d"}),
    ("join-id-string", {"msgid": 9, "groupid": "1"}),
    ("join-missing", {"msgid": 9}),
    ("group-chat-id-bool", {"msgid": 10, "groupid": False, "msg": "hi"}),
    ("group-chat-msg-null", {"msgid": 10, "groupid": 1, "msg": None}),
    ("logout-id-string", {"msgid": 3, "id": "1"}),
]


@ONE_BACKEND
async def test_each_wrong_or_missing_field_is_refused_with_bad_field(users: Users) -> None:
    _, client = await online(users, "alice")
    for case, request in BAD_FIELDS:
        reply = await client.request(**request)
        assert reply["msgid"] == MsgId.ERROR, (case, reply)
        assert (reply["errno"], reply["re"]) == (Errno.BAD_FIELD, request["msgid"]), (case, reply)
        await client.quiet()


# --- huge numbers ---------------------------------------------------------------------

HUGE = [2**63, 2**64 - 1, 2**63 - 1, -(2**63), 2**53 + 1]
HUGE_REQUESTS = [
    (MsgId.ONE_CHAT, "toid", Errno.NO_SUCH_USER),
    (MsgId.ADD_FRIEND, "friendid", Errno.NO_SUCH_USER),
    (MsgId.ADD_GROUP, "groupid", Errno.NO_SUCH_GROUP),
    (MsgId.GROUP_CHAT, "groupid", Errno.NO_SUCH_GROUP),
]


async def test_huge_ids_are_refused_as_client_errors(users: Users) -> None:
    """An id out of any database's range names nothing; it is no internal error.

    Either answer is right: nothing has that id (`errno`), or the field is out of range.
    """
    _, client = await online(users, "alice")
    for number in HUGE:
        for msgid, key, errno in HUGE_REQUESTS:
            reply = await client.request(msgid=msgid, msg="hi", **{key: number})
            assert reply["msgid"] == MsgId.ERROR, (number, reply)
            assert reply["errno"] in (errno, Errno.BAD_FIELD), (number, reply)
            await client.quiet()


async def test_login_with_a_huge_id_is_refused_as_a_client_error(connect: Connect) -> None:
    """No such account, or an id out of range: a client error either way, never errno 50."""
    client = await connect()
    for number in HUGE:
        reply = await client.request(msgid=MsgId.LOGIN, id=number, password="pw", v=2)
        assert (reply["msgid"], reply["errno"]) in (
            (MsgId.LOGIN_ACK, Errno.BAD_CREDENTIALS),
            (MsgId.ERROR, Errno.BAD_FIELD),
        ), (number, reply)
        await client.quiet()


@ONE_BACKEND
async def test_a_rid_too_big_for_an_integer_is_refused(connect: Connect) -> None:
    client = await connect()
    await client.send_raw(b'{"msgid":14,"rid":18446744073709551616}\n')
    reply = await client.expect(MsgId.ERROR)
    assert reply["errno"] == Errno.BAD_FIELD and "rid" not in reply
    await client.quiet()


# --- blank frames ---------------------------------------------------------------------


@ONE_BACKEND
async def test_blank_frames_are_ignored(users: Users) -> None:
    _, client = await online(users, "alice")
    await client.send_raw(b"\n\n\0\0 \n\t\n\r\n  \0\n")
    await client.quiet()
    await client.send_raw(b'\n\0{"msgid":14,"rid":"after"}\0\n\n')
    assert await client.expect(MsgId.PONG) == {"msgid": MsgId.PONG, "rid": "after"}
    # A line ended by CR LF (telnet, netcat -C) is a frame with trailing whitespace.
    await client.send_raw(b'{"msgid":14,"rid":"crlf"}\r\n')
    assert await client.expect(MsgId.PONG) == {"msgid": MsgId.PONG, "rid": "crlf"}
    await client.quiet()


# --- frame size -----------------------------------------------------------------------


def padded_ping(size: int) -> bytes:
    """A PING frame of exactly `size` bytes, newline not counted."""
    head = b'{"msgid":14,"rid":"big","pad":"'
    frame = head + b"x" * (size - len(head) - 2) + b'"}'
    assert len(frame) == size
    return frame


async def ended(client: WireClient) -> bool:
    """The server closed the connection (EOF, or a reset after the close)."""
    try:
        return await client.closed()
    except ConnectionResetError:
        return True


@ONE_BACKEND
async def test_a_frame_of_exactly_the_limit_is_served(users: Users) -> None:
    _, client = await online(users, "alice")
    await client.send_raw(padded_ping(LIMITS.max_frame) + b"\n")
    assert await client.expect(MsgId.PONG) == {"msgid": MsgId.PONG, "rid": "big"}
    await client.quiet()


@ONE_BACKEND
@pytest.mark.parametrize(
    "data",
    [
        padded_ping(LIMITS.max_frame + 1) + b"\n",
        padded_ping(LIMITS.max_frame + 1),
        b"x" * (LIMITS.max_frame * 2),
    ],
    ids=["one-byte-over", "unterminated", "twice-the-limit"],
)
async def test_a_frame_over_the_limit_gets_error_23_and_is_closed(
    users: Users, data: bytes
) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    await make_friends(b, bob, a, alice)
    await a.send_raw(data)
    reply = await a.expect(MsgId.ERROR)
    assert reply["errno"] == Errno.FRAME_TOO_LARGE, reply
    assert await ended(a)
    # Alice is logged out; bob is served as before and alice can come back.
    presence = await b.expect(MsgId.PRESENCE)
    assert (presence["id"], presence["state"]) == (alice, "offline")
    mid = await chat(b, alice, "you were cut off")
    _, ack = await users.login(alice)
    assert [m["mid"] for m in ack["offlinemsg"]] == [mid]


@ONE_BACKEND
async def test_a_flood_without_newline_gets_error_23_before_the_close(users: Users) -> None:
    """A client that keeps writing past the limit still reads why it was cut off."""
    _, a = await online(users, "alice")
    _, b = await online(users, "bob")
    flood = b"x" * (16 * LIMITS.max_frame)

    async def write() -> None:
        with contextlib.suppress(ConnectionError):
            await a.send_raw(flood)

    writer = asyncio.create_task(write())
    reply = await a.expect(MsgId.ERROR)
    assert reply["errno"] == Errno.FRAME_TOO_LARGE, reply
    assert await ended(a)
    await writer
    await b.quiet()


# --- other clients are served meanwhile -----------------------------------------------


@ONE_BACKEND
async def test_other_clients_are_served_while_one_sends_garbage(
    users: Users, connect: Connect
) -> None:
    _alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    vandal = await connect()
    garbage = b"".join(frame + b"\n" for _, frame, _, _ in BAD_FRAMES)

    async def vandalise() -> None:
        for _ in range(5):
            await vandal.send_raw(garbage)
            for _ in BAD_FRAMES:
                await vandal.expect(MsgId.ERROR)

    async def converse() -> None:
        for i in range(20):
            mid = await chat(a, bob, f"m{i}")
            got = await b.expect(MsgId.ONE_CHAT)
            assert (got["msg"], got["mid"]) == (f"m{i}", mid)

    await asyncio.gather(vandalise(), converse())
    await vandal.quiet()
    await b.quiet()


@ONE_BACKEND
async def test_a_client_that_vanishes_mid_frame_harms_nobody(
    users: Users, connect: Connect
) -> None:
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob")
    await make_friends(a, alice, b, bob)
    await a.send_raw(b'{"msgid":6,"toid":' + str(bob).encode() + b',"msg":"unfinis')
    await a.close()
    assert (await b.expect(MsgId.PRESENCE))["state"] == "offline"
    await b.quiet()
    stranger = await connect()
    await stranger.send_raw(orjson.dumps({"msgid": MsgId.REG, "name": "half"})[:-3])
    await stranger.close()
    _, again = await users.login(alice)
    assert again["offlinemsg"] == []
