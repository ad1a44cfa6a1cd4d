"""One's own message keeps the time it was shown with when its copy comes back from the
server after a reconnect (the copy for the user's other devices), and is shown once."""

from __future__ import annotations

from datetime import datetime

from chatapp.client.conversation import Delivery
from chatapp.protocol import ChatMessage

from .fakes import CAROL, demo_state

TYPED = datetime(2025, 3, 14, 9, 28, 55)
LOGGED = datetime(2025, 3, 14, 9, 29, 3)  # the server logged it after the reconnect


def copy(text: str, mid: int) -> ChatMessage:
    """The server's copy of a chat alice sent carol, as a resumed login brings it."""
    ts = int(LOGGED.timestamp() * 1000)
    return ChatMessage(1, "alice", CAROL.id, text, "2025-03-14 09:29:03", mid, ts, seq=9)


def test_the_copy_of_a_waiting_line_confirms_it_and_keeps_its_time() -> None:
    state = demo_state()
    line = state.add_own(CAROL, "see you at ten", TYPED)
    assert state.receive(copy("see you at ten", 7001)) is None  # no second line
    conv = state.conversation(CAROL)
    own = [ln for ln in conv.lines if ln.own]
    assert own == [line] and line.mid == 7001 and line.when == TYPED
    settled = state.set_delivery(line.serial, Delivery.SENT, mid=7001)  # the resent chat's ACK
    assert settled is not None and settled[1] is line and line.delivery is Delivery.SENT
    assert [ln for ln in conv.lines if ln.own] == [line] and line.when == TYPED


def test_other_own_copies_still_arrive() -> None:
    state = demo_state()
    state.add_own(CAROL, "typed here", TYPED)
    arrival = state.receive(copy("sent from the phone", 7002))
    assert arrival is not None and arrival[1].text == "sent from the phone"
