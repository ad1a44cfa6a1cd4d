"""Decoding validates every field; every message round-trips; both dialects encode exactly."""

from dataclasses import replace
from typing import Any

import orjson
import pytest

from chatapp.protocol import (
    Ack,
    AddFriend,
    AddGroup,
    ChatMessage,
    CreateGroup,
    Dialect,
    Drain,
    Errno,
    Error,
    Event,
    FriendAdded,
    FriendInfo,
    Friends,
    GroupChat,
    GroupInfo,
    GroupMessage,
    Groups,
    Login,
    LoginAck,
    Logout,
    MemberInfo,
    Members,
    MsgId,
    OneChat,
    Ping,
    Pong,
    Presence,
    ProtocolError,
    RegAck,
    Register,
    Request,
    decode_event,
    decode_request,
    encode,
    encode_request,
)

REQUESTS: list[Request] = [
    Login(password="pw", id=13, v=2, rid=1),
    Login(password="pw", name="zhang san", v=2, rid="a"),
    Logout(rid=2),
    Logout(id=13),
    Register(name="li si", password="pw", v=2, rid=3),
    OneChat(toid=15, msg='hello 你好 😀 "quoted" \\', rid=4),
    OneChat(toid=15, msg="x", id=13),
    AddFriend(friendid=15, rid=5),
    CreateGroup(groupname="g", groupdesc="d", rid=6),
    AddGroup(groupid=1, id=13),
    GroupChat(groupid=1, msg="hi", rid=7),
    Ping(rid="p"),
    Friends(rid=8),
    Friends(after=15, limit=100, rid=9),
    Groups(after=1, rid=10),
    Members(groupid=1, after=13, limit=2, rid=11),
]

MEMBERS = (
    MemberInfo(13, "zhang san", "online", "creator"),
    MemberInfo(15, "li si", "offline", "normal"),
)
GROUP = GroupInfo(1, "g", "d", count=2)
"""A group as the current protocol lists it: with its count, not its members."""
LEGACY_GROUP = GroupInfo(1, "g", "d", MEMBERS, 2)
CHAT = ChatMessage(13, "zhang san", 15, "hello", "2020-02-22 00:43:59", 42, 1582332239000)
GROUP_CHAT = GroupMessage(13, "zhang san", 1, "hi", "2020-02-22 00:43:59", 43, 1582332239000)

REFUSED = LoginAck(errno=Errno.BAD_CREDENTIALS, errmsg="id or password is invalid!", rid=2)

FULL_LOGIN = LoginAck(
    id=13,
    name="zhang san",
    friends=(FriendInfo(15, "li si", "online"),),
    groups=(GROUP,),
    offlinemsg=(CHAT, GROUP_CHAT),
    rid=1,
)

EVENTS: list[Event] = [
    FULL_LOGIN,
    LoginAck(id=13, name="zhang san"),
    LoginAck(
        id=13,
        name="zhang san",
        friends=(FriendInfo(15, "li si", "online"),),
        more_friends=True,
        more_groups=True,
        last=4,
        more=True,
        max_frame=1 << 20,
    ),
    REFUSED,
    RegAck(id=22, rid=3),
    RegAck(errno=Errno.NAME_TAKEN, errmsg="taken"),
    Ack(MsgId.ONE_CHAT, rid=4, mid=42),
    Ack(MsgId.CREATE_GROUP, groupid=7),
    Ack(MsgId.ADD_FRIEND, friend=FriendInfo(15, "li si", "offline")),
    Ack(MsgId.ADD_GROUP, rid="x", group=GROUP),
    Ack(MsgId.FRIENDS, rid=8, friends=(FriendInfo(15, "li si", "online"),), more=True),
    Ack(MsgId.GROUPS, rid=9, groups=(GROUP,)),
    Ack(MsgId.MEMBERS, rid=10, members=MEMBERS, more=True),
    Ack(MsgId.MEMBERS, rid=11, members=()),
    Error(Errno.NO_SUCH_USER, "no user", re=6, rid=5),
    Error(Errno.BAD_FRAME, "not JSON"),
    Error(Errno.UNKNOWN_MSGID, "unknown msgid 18446744073709551615", re=2**64 - 1),
    CHAT,
    GROUP_CHAT,
    Presence(15, "li si", "online"),
    FriendAdded(FriendInfo(13, "zhang san", "online")),
    Pong(rid=9),
]


@pytest.mark.parametrize("request_", REQUESTS, ids=repr)
def test_every_request_round_trips(request_: Request) -> None:
    data = encode_request(request_)
    assert data.endswith(b"\n")
    assert decode_request(data[:-1]) == request_


@pytest.mark.parametrize("event", EVENTS, ids=repr)
def test_every_event_round_trips_in_the_current_dialect(event: Event) -> None:
    data = encode(event, Dialect.V2)
    assert data is not None and data.endswith(b"\n") and data.count(b"\n") == 1
    assert decode_event(data[:-1]) == event


def test_legacy_request_with_extra_fields_decodes() -> None:
    frame = b'{"msgid":6,"id":13,"name":"zhang san","toid":15,"msg":"hello","time":"2020-02-22"}'
    assert decode_request(frame) == OneChat(toid=15, msg="hello", id=13)


def wire(event: Event, dialect: Dialect) -> Any:
    data = encode(event, dialect)
    return None if data is None else orjson.loads(data)


def test_legacy_login_ack_lists_are_json_strings_and_left_out_when_empty() -> None:
    full = wire(replace(FULL_LOGIN, groups=(LEGACY_GROUP,)), Dialect.LEGACY)
    assert list(full) == ["errno", "id", "msgid", "name", "friends", "groups", "offlinemsg"]
    assert full["friends"] == ['{"id":15,"name":"li si","state":"online"}']
    group = orjson.loads(full["groups"][0])
    assert group["users"][0] == '{"id":13,"name":"zhang san","state":"online","role":"creator"}'
    assert orjson.loads(full["offlinemsg"][0]) == {
        "msgid": 6,
        "id": 13,
        "name": "zhang san",
        "toid": 15,
        "msg": "hello",
        "time": "2020-02-22 00:43:59",
    }
    assert "rid" not in full
    assert wire(LoginAck(id=13, name="z"), Dialect.LEGACY) == {
        "errno": 0,
        "id": 13,
        "msgid": 2,
        "name": "z",
    }


def test_legacy_replies_match_the_original_exactly() -> None:
    assert wire(REFUSED, Dialect.LEGACY) == {
        "errmsg": "id or password is invalid!",
        "errno": 1,
        "msgid": 2,
    }
    assert wire(RegAck(id=22), Dialect.LEGACY) == {"errno": 0, "id": 22, "msgid": 5}
    assert wire(RegAck(errno=Errno.NAME_TAKEN, errmsg="x"), Dialect.LEGACY) == {
        "errno": 1,
        "msgid": 5,
    }
    assert "mid" not in wire(CHAT, Dialect.LEGACY)
    assert "ts" not in wire(GROUP_CHAT, Dialect.LEGACY)


@pytest.mark.parametrize(
    "event",
    [
        Ack(MsgId.ONE_CHAT, mid=1),
        Presence(1, "a", "online"),
        FriendAdded(FriendInfo(1, "a")),
        Drain(retry_ms=200),
    ],
)
def test_legacy_clients_hear_nothing_the_original_never_sent(event: Event) -> None:
    assert encode(event, Dialect.LEGACY) is None


def test_current_login_ack_lists_are_present_even_when_empty() -> None:
    assert wire(LoginAck(id=1, name="a"), Dialect.V2) == {
        "errno": 0,
        "id": 1,
        "msgid": 2,
        "name": "a",
        "friends": [],
        "groups": [],
        "offlinemsg": [],
    }


@pytest.mark.parametrize(
    ("frame", "errno"),
    [
        (b"hello", Errno.BAD_FRAME),
        (b'{"msgid":1,', Errno.BAD_FRAME),
        (b"[1,2]", Errno.BAD_FRAME),
        (b"42", Errno.BAD_FRAME),
        (b'"text"', Errno.BAD_FRAME),
        (b"\xff\xfe", Errno.BAD_FRAME),
        (b"{}", Errno.BAD_FIELD),
        (b'{"msgid":"1"}', Errno.BAD_FIELD),
        (b'{"msgid":1.0}', Errno.BAD_FIELD),
        (b'{"msgid":true}', Errno.BAD_FIELD),
        (b'{"msgid":99}', Errno.UNKNOWN_MSGID),
        (b'{"msgid":2}', Errno.UNKNOWN_MSGID),
        (b'{"msgid":1,"id":1}', Errno.BAD_FIELD),
        (b'{"msgid":1,"password":"x"}', Errno.BAD_FIELD),
        (b'{"msgid":1,"id":"13","password":"x"}', Errno.BAD_FIELD),
        (b'{"msgid":1,"id":true,"password":"x"}', Errno.BAD_FIELD),
        (b'{"msgid":6,"toid":2}', Errno.BAD_FIELD),
        (b'{"msgid":6,"toid":2,"msg":5}', Errno.BAD_FIELD),
        (b'{"msgid":6,"toid":2,"msg":"x","rid":[1]}', Errno.BAD_FIELD),
        (b'{"msgid":6,"toid":2,"msg":"x","rid":"' + b"r" * 65 + b'"}', Errno.BAD_FIELD),
        (b'{"msgid":8,"groupname":null}', Errno.BAD_FIELD),
        (b'{"msgid":6,"toid":9223372036854775808,"msg":"x"}', Errno.BAD_FIELD),
        (b'{"msgid":9,"groupid":-9223372036854775809}', Errno.BAD_FIELD),
        (b'{"msgid":10,"groupid":1,"msg":{"a":1}}', Errno.BAD_FIELD),
    ],
)
def test_bad_frames_raise_protocol_errors_only(frame: bytes, errno: Errno) -> None:
    with pytest.raises(ProtocolError) as info:
        decode_request(frame)
    assert info.value.errno == errno


def test_protocol_error_keeps_msgid_and_rid_for_the_reply() -> None:
    with pytest.raises(ProtocolError) as info:
        decode_request(b'{"msgid":6,"toid":"x","msg":"m","rid":"abc"}')
    assert (info.value.msgid, info.value.rid) == (6, "abc")
    assert "toid" in info.value.errmsg


def test_drain_carries_its_retry_hint_both_ways() -> None:
    assert wire(Drain(retry_ms=250), Dialect.V2) == {"msgid": 49, "retry_ms": 250}
    assert decode_event(b'{"msgid":49,"retry_ms":250}') == Drain(retry_ms=250)
    # A hint left out or below zero means at once.
    assert decode_event(b'{"msgid":49}') == Drain(retry_ms=0)
    assert decode_event(b'{"msgid":49,"retry_ms":-5}') == Drain(retry_ms=0)
