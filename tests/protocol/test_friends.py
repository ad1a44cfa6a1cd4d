"""The friend-request messages: each round-trips, is refused when malformed, and is kept
from the legacy dialect where the original server sent nothing."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from chatapp.protocol import (
    Ack,
    Dialect,
    Errno,
    Event,
    FriendAnswer,
    FriendCancel,
    FriendEvent,
    FriendInfo,
    FriendRequest,
    LoginAck,
    MsgId,
    ProtocolError,
    RequestCounts,
    RequestInfo,
    Requests,
    Unfriend,
    UserRef,
    decode_event,
    decode_request,
    encode,
    encode_request,
)
from chatapp.protocol.requests import Request

BOB = UserRef(15, "li si")

REQUESTS: list[Request] = [
    FriendRequest(to=15, rid=1),
    FriendAnswer(requester=15, accept=True, rid="a"),
    FriendAnswer(requester=15, accept=False),
    FriendCancel(to=15, rid=2),
    Unfriend(friendid=15),
    Requests(direction="in", rid=3),
    Requests(direction="out", after=15, limit=10),
]

EVENTS: list[Event] = [
    FriendEvent("request", BOB),
    FriendEvent("accepted", BOB, "online"),
    FriendEvent("removed", BOB),
    Ack(MsgId.FRIEND_REQUEST, rid=1, state="requested", user=BOB),
    Ack(
        MsgId.FRIEND_ANSWER,
        state="friends",
        user=BOB,
        friend=FriendInfo(15, "li si", "online"),
    ),
    Ack(MsgId.UNFRIEND, user=BOB),
    Ack(MsgId.REQUESTS, rid=4, requests=(RequestInfo(15, "li si", 1_700_000_000_000),), more=True),
    Ack(MsgId.REQUESTS, requests=()),
    LoginAck(id=13, name="zhang san", requests=RequestCounts(incoming=1500, outgoing=3)),
]


@pytest.mark.parametrize("request_", REQUESTS, ids=repr)
def test_every_request_round_trips(request_: Request) -> None:
    data = encode_request(request_)
    assert decode_request(data[:-1]) == request_


@pytest.mark.parametrize("event", EVENTS, ids=repr)
def test_every_event_round_trips(event: Event) -> None:
    data = encode(event, Dialect.V2)
    assert data is not None
    assert decode_event(data[:-1]) == event


def test_the_wire_forms_are_as_documented() -> None:
    assert orjson.loads(encode_request(FriendAnswer(15, True, rid=1))) == {
        "msgid": 25,
        "from": 15,
        "accept": True,
        "rid": 1,
    }
    assert orjson.loads(encode_request(Requests("out", after=3))) == {
        "msgid": 28,
        "dir": "out",
        "after": 3,
    }
    event = encode(FriendEvent("accepted", BOB, "online"))
    assert event is not None and orjson.loads(event) == {
        "msgid": 29,
        "event": "accepted",
        "user": {"id": 15, "name": "li si"},
        "state": "online",
    }
    ack = encode(LoginAck(id=1, name="a", requests=RequestCounts(2, 0)))
    assert ack is not None and orjson.loads(ack)["requests"] == {"in": 2, "out": 0}


@pytest.mark.parametrize(
    "frame",
    [
        {"msgid": 24},
        {"msgid": 24, "to": "15"},
        {"msgid": 25, "from": 15},
        {"msgid": 25, "from": 15, "accept": "yes"},
        {"msgid": 25, "accept": True},
        {"msgid": 26},
        {"msgid": 27, "friendid": None},
        {"msgid": 28},
        {"msgid": 28, "dir": "sideways"},
        {"msgid": 28, "dir": "in", "limit": 1.5},
    ],
)
def test_malformed_requests_are_bad_fields(frame: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError) as refused:
        decode_request(orjson.dumps(frame))
    assert refused.value.errno is Errno.BAD_FIELD


def test_legacy_clients_hear_no_friend_events_nor_acks_but_do_get_pages() -> None:
    assert encode(FriendEvent("request", BOB), Dialect.LEGACY) is None
    assert encode(Ack(MsgId.FRIEND_REQUEST, state="requested", user=BOB), Dialect.LEGACY) is None
    page = encode(Ack(MsgId.REQUESTS, requests=()), Dialect.LEGACY)
    assert page is not None and orjson.loads(page)["requests"] == []
    legacy_ack = encode(LoginAck(id=1, name="a", requests=RequestCounts(1, 1)), Dialect.LEGACY)
    assert legacy_ack is not None and "requests" not in orjson.loads(legacy_ack)
