"""RECEIPT and TYPING notices cross between instances in the bus's envelope unchanged."""

from __future__ import annotations

import pytest

from chatapp.protocol import Receipt, TypingNotice, UserInfo
from chatapp.server.bus import Delivery
from chatapp.server.bus.envelope import pack, unpack


@pytest.mark.parametrize(
    "delivery",
    [
        Receipt(1 << 40, peer=3),
        Receipt(1 << 40, groupid=4, count=12),
        TypingNotice(UserInfo(1, "ann"), peer=1),
        TypingNotice(UserInfo(1, "ann"), groupid=4),
    ],
    ids=repr,
)
def test_people_notices_survive_the_envelope(delivery: Delivery) -> None:
    assert unpack(pack(delivery)) == delivery
