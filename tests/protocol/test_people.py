"""USERS, CONVERSATIONS, READ, RECEIPT and TYPING: validated, round-tripped, and unheard
by legacy clients."""

from __future__ import annotations

import orjson
import pytest

from chatapp.protocol import (
    Ack,
    ChatMessage,
    ConversationInfo,
    Conversations,
    Dialect,
    Errno,
    Event,
    FindUsers,
    GroupMessage,
    MsgId,
    ProtocolError,
    Read,
    Receipt,
    Request,
    Typing,
    TypingNotice,
    UserInfo,
    decode_event,
    decode_request,
    encode,
    encode_request,
)

CHAT = ChatMessage(13, "zhang san", 15, "hello", "2020-02-22 00:43:59", 42, 1582332239000)
GROUP_CHAT = GroupMessage(13, "zhang san", 1, "hi", "2020-02-22 00:43:59", 43, 1582332239000)
ANN = UserInfo(13, "zhang san")

REQUESTS: list[Request] = [
    FindUsers(name="zhang san", rid=1),
    FindUsers(id=13),
    FindUsers(prefix="zh", limit=5, rid="p"),
    Conversations(rid=2),
    Conversations(before=42, limit=10, rid=3),
    Read(mid=42, peer=13, rid=4),
    Read(mid=43, groupid=1),
    Typing(peer=15, rid=5),
    Typing(groupid=1),
]

EVENTS: list[Event] = [
    Ack(MsgId.USERS, rid=1, users=(ANN, UserInfo(15, "li si")), more=True),
    Ack(MsgId.USERS, users=()),
    Ack(
        MsgId.CONVERSATIONS,
        rid=2,
        conversations=(
            ConversationInfo(UserInfo(15, "li si"), None, CHAT, 0, 3),
            ConversationInfo(None, UserInfo(1, "g"), GROUP_CHAT, 43, 0, cut=True),
        ),
    ),
    Ack(MsgId.READ, rid=4, mid=42),
    Receipt(42, peer=15),
    Receipt(43, groupid=1, count=2),
    TypingNotice(ANN, peer=13),
    TypingNotice(ANN, groupid=1),
]


@pytest.mark.parametrize("request_", REQUESTS, ids=repr)
def test_every_request_round_trips(request_: Request) -> None:
    assert decode_request(encode_request(request_)[:-1]) == request_


@pytest.mark.parametrize("event", EVENTS, ids=repr)
def test_every_event_round_trips(event: Event) -> None:
    data = encode(event, Dialect.V2)
    assert data is not None
    assert decode_event(data[:-1]) == event


def test_the_wire_forms_are_as_documented() -> None:
    assert orjson.loads(encode(TypingNotice(ANN, groupid=4)) or b"") == {
        "msgid": 48, "from": {"id": 13, "name": "zhang san"}, "groupid": 4,
    }  # fmt: skip
    assert orjson.loads(encode(Receipt(9, groupid=4, count=2)) or b"") == {
        "msgid": 47, "groupid": 4, "mid": 9, "count": 2,
    }  # fmt: skip
    item = ConversationInfo(UserInfo(15, "li si"), None, CHAT, 0, 3).to_wire()
    assert item == {
        "peer": {"id": 15, "name": "li si"}, "last": CHAT.to_wire(), "read": 0, "unread": 3,
    }  # fmt: skip


@pytest.mark.parametrize("event", [Receipt(1, peer=2), TypingNotice(ANN, peer=13)], ids=repr)
def test_legacy_clients_hear_no_receipts_nor_typing(event: Event) -> None:
    assert encode(event, Dialect.LEGACY) is None


def test_pages_of_people_are_answered_in_the_legacy_dialect_too() -> None:
    assert encode(Ack(MsgId.USERS, users=(ANN,)), Dialect.LEGACY) is not None
    assert encode(Ack(MsgId.READ, mid=1), Dialect.LEGACY) is None


@pytest.mark.parametrize(
    "frame",
    [
        {"msgid": 44},
        {"msgid": 44, "name": "a", "id": 1},
        {"msgid": 44, "prefix": 7},
        {"msgid": 45, "before": "x"},
        {"msgid": 46, "peer": 1},
        {"msgid": 46, "mid": 1},
        {"msgid": 46, "mid": 1, "peer": 1, "groupid": 2},
        {"msgid": 48},
        {"msgid": 48, "peer": 1, "groupid": 2},
        {"msgid": 48, "peer": "1"},
    ],
)
def test_bad_requests_are_refused_with_bad_field(frame: dict[str, object]) -> None:
    with pytest.raises(ProtocolError) as caught:
        decode_request(orjson.dumps(frame))
    assert caught.value.errno == Errno.BAD_FIELD
