"""The messages of blocking and message requests: their wire forms both ways, without I/O."""

from __future__ import annotations

import orjson
import pytest

from chatapp.protocol import (
    Ack,
    Block,
    BlockedUser,
    Blocks,
    Dialect,
    Errno,
    HeldPreview,
    MessageAnswer,
    MessageRequests,
    MsgId,
    NewMessageRequest,
    ProtocolError,
    Request,
    SenderInfo,
    decode_event,
    decode_request,
    encode,
    encode_request,
)

SENDER = SenderInfo(
    9, "zhao liu", 2, (HeldPreview(5, "hello", "2026-11-27 05:41:00", 1, cut=True),)
)


@pytest.mark.parametrize(
    "request_",
    [
        Block(7, True, rid=1),
        Block(7, False),
        Blocks(after=3, limit=10, rid="r"),
        MessageRequests(),
        MessageAnswer(9, True, rid=2),
        MessageAnswer(9, False),
    ],
)
def test_requests_survive_their_wire_form(request_: Request) -> None:
    assert decode_request(encode_request(request_)) == request_


def test_message_answer_names_the_sender_from_and_needs_accept() -> None:
    assert orjson.loads(encode_request(MessageAnswer(9, True)))["from"] == 9
    with pytest.raises(ProtocolError) as caught:
        decode_request(b'{"msgid":43,"from":9}')
    assert (caught.value.errno, caught.value.msgid) == (Errno.BAD_FIELD, MsgId.MESSAGE_ANSWER)
    with pytest.raises(ProtocolError):
        decode_request(b'{"msgid":43,"from":9,"accept":1}')


def test_block_blocks_unless_told_otherwise() -> None:
    assert decode_request(b'{"msgid":30,"userid":7}') == Block(7, True)
    with pytest.raises(ProtocolError):
        decode_request(b'{"msgid":30,"userid":"7"}')


def test_pages_of_blocked_users_and_senders_survive_their_wire_form() -> None:
    for ack in (
        Ack(MsgId.BLOCKS, rid=1, blocked=(BlockedUser(7, "wang wu"),), more=True),
        Ack(MsgId.MESSAGE_REQUESTS, rid=2, senders=(SENDER,)),
    ):
        assert ack.page
        assert decode_event(encode(ack) or b"") == ack


def test_the_new_request_notice_is_for_current_clients_only() -> None:
    notice = NewMessageRequest(SENDER)
    wire = encode(notice)
    assert wire is not None and decode_event(wire) == notice
    assert orjson.loads(wire)["msgid"] == MsgId.MESSAGE_REQUESTS
    assert encode(notice, Dialect.LEGACY) is None
    assert encode(Ack(MsgId.BLOCK), Dialect.LEGACY) is None
