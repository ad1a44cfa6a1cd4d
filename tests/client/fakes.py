"""Fixed data for tests that need no server: a populated ChatState and a frozen clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from chatapp.client.conversation import ConvKey, Delivery, Kind, Line
from chatapp.client.net import LinkChanged, LinkState
from chatapp.client.state import ChatState
from chatapp.protocol import FriendInfo, GroupInfo, MemberInfo

NOW = datetime(2025, 3, 14, 15, 9, 26)
BOB = ConvKey(Kind.USER, 2)
CAROL = ConvKey(Kind.USER, 3)
DEVS = ConvKey(Kind.GROUP, 1)
RANDOM = ConvKey(Kind.GROUP, 2)


def clock() -> datetime:
    """The frozen time of every snapshot."""
    return NOW


def demo_state(link: LinkChanged | None = None) -> ChatState:
    """alice, with three friends, two groups, a conversation with bob and unread elsewhere."""
    state = ChatState(server="127.0.0.1:6000", user_id=1, user_name="alice")
    state.link = link or LinkChanged(LinkState.ONLINE)
    for friend in (
        FriendInfo(2, "bob", "online"),
        FriendInfo(3, "carol", "offline"),
        FriendInfo(4, "dave", "online"),
    ):
        state.add_friend(friend)
    members = (
        MemberInfo(1, "alice", "online", "creator"),
        MemberInfo(2, "bob", "online", "normal"),
    )
    state.add_group(GroupInfo(1, "devs", "build talk", members))
    state.add_group(GroupInfo(2, "random", "", members))
    yesterday = NOW - timedelta(days=1)
    talk = [
        (2, "bob", "hey alice, did the deploy go out?", yesterday.replace(hour=18, minute=2)),
        (1, "alice", "yes, around six", yesterday.replace(hour=18, minute=5)),
        (2, "bob", "morning! the new build is up on staging", NOW.replace(hour=9, minute=12)),
        (
            2,
            "bob",
            "it has the reconnect fix and the unread counters, and a longer message to show "
            "how wrapping looks when the text runs past the width of the pane",
            NOW.replace(hour=9, minute=13),
        ),
    ]
    state.open(BOB)
    for sender_id, name, text, when in talk:
        state.conversation(BOB).lines.append(Line(sender_id, name, text, when, sender_id == 1))
    state.add_own(BOB, "great, trying it now", NOW.replace(hour=9, minute=20))
    sent = state.add_own(BOB, "works for me", NOW.replace(hour=9, minute=21))
    state.set_delivery(sent.serial, Delivery.SENT)
    failed = state.add_own(BOB, "this one did not make it", NOW.replace(hour=9, minute=22))
    state.set_delivery(failed.serial, Delivery.FAILED, "not sent: connection lost")
    for minute in range(2):
        state.conversation(CAROL).lines.append(Line(3, "carol", f"ping {minute}", NOW))
        state.conversation(CAROL).unread += 1
    for minute in range(5):
        state.conversation(RANDOM).lines.append(Line(2, "bob", f"meme {minute}", NOW))
        state.conversation(RANDOM).unread += 1
    return state
