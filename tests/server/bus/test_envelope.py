"""How deliveries cross between instances: the envelope's forms, and its seal."""

from __future__ import annotations

import dataclasses

import pytest

from chatapp.protocol import (
    FriendAdded,
    FriendEvent,
    FriendInfo,
    GroupMessage,
    HeldPreview,
    NewMessageRequest,
    Presence,
    Receipt,
    SenderInfo,
    UserRef,
)
from chatapp.server.bus import DOORBELL, Delivery, Echo, EndSession, TieCut
from chatapp.server.bus.envelope import JOIN, pack, seal, seal_each, unpack, unseal
from tests.server.bus.kit import CHAT


@pytest.mark.parametrize(
    "delivery",
    [
        CHAT,
        dataclasses.replace(CHAT, seq=7),
        GroupMessage(1, "ann", 3, "hi", "2026-01-01 00:00:00", 43, 1767225600000, 9),
        DOORBELL,
        Presence(1, "ann", "offline"),
        FriendAdded(FriendInfo(1, "ann", "online")),
        FriendEvent("accepted", UserRef(1, "ann"), "online"),
        FriendEvent("removed", UserRef(1, "ann")),
        TieCut(7, "ann \u00e9"),
        EndSession(3, "signed in again on this device"),
        EndSession(0, "ended: from another device 😀"),
        Echo(FriendEvent("accepted", UserRef(2, "bo"), "online"), 4),
        Echo(Receipt(1 << 40, peer=3), 12),
    ],
    ids=repr,
)
def test_deliveries_survive_the_envelope(delivery: Delivery) -> None:
    assert unpack(pack(delivery)) == delivery
    assert unseal(seal("0123abcd", pack(delivery))) == ("0123abcd", pack(delivery))


def test_a_chat_travels_in_an_envelope_of_the_bus_not_in_the_wire_form() -> None:
    packed = pack(dataclasses.replace(CHAT, seq=7))
    assert packed.startswith(b"[") and b"msgid" not in packed
    with pytest.raises(ValueError):
        unpack(b'[9,1,2,3,"a",4,"x","t",5]')


def test_session_notices_cross_in_forms_of_their_own() -> None:
    assert pack(EndSession(3, "bye")) == b'end:[3,"bye"]'
    echo = pack(Echo(Presence(1, "ann", "online"), 5))
    assert echo.startswith(b"echo:5:{")


def test_a_message_request_notice_crosses_as_a_notice() -> None:
    preview = HeldPreview(5, "hi", "2026-11-27 05:41:00", 1)
    notice = NewMessageRequest(SenderInfo(9, "zhao liu", 1, (preview,)))
    assert pack(notice).startswith(b"{")
    assert unpack(pack(notice)) == notice


def test_the_seal_names_the_publishing_instance() -> None:
    assert seal("ab12", JOIN) == b"o:ab12:join"
    assert unseal(b"o:ab12:join") == ("ab12", JOIN)
    assert unseal(b"bell") == (None, b"bell")  # from an instance that does not seal
    with pytest.raises(ValueError):
        unseal(b"o:ab12")


def test_a_delivery_to_many_users_is_sealed_once() -> None:
    sealed = seal_each("ab12", ((uid, Presence(1, "ann", "online")) for uid in range(3)))
    assert [uid for uid, _ in sealed] == [0, 1, 2]
    assert len({id(payload) for _, payload in sealed}) == 3  # new objects: packed apart
    same = Presence(1, "ann", "online")
    once = seal_each("ab12", [(uid, same) for uid in range(3)])
    assert len({id(payload) for _, payload in once}) == 1
    assert unpack(unseal(once[0][1])[1]) == same
