"""A group's members: known a page at a time, asked for when its conversation opens, and
named in its title with a count of the rest."""

from __future__ import annotations

from textual.widgets import Static

from chatapp.client.app import ChatApp
from chatapp.client.conversation import ConvKey, Kind
from chatapp.client.messages import OpenConversation
from chatapp.client.net import Connection, Sendable
from chatapp.client.screens.headings import members_line as _members
from chatapp.client.settings import Settings
from chatapp.client.state import ChatState
from chatapp.protocol import Ack, GroupInfo, History, LoginAck, MemberInfo, Members, MsgId

from .conftest import until
from .fakes import BOB, clock, demo_state

CROWD = ConvKey(Kind.GROUP, 3)
PEOPLE = tuple(MemberInfo(n, f"m{n}", "online", "normal") for n in range(1, 5001))


def member(n: int) -> MemberInfo:
    return PEOPLE[n - 1]


def test_members_come_in_pages_and_outlive_a_relogin() -> None:
    state = ChatState()
    state.apply_login(LoginAck(id=1, name="m1", groups=(GroupInfo(3, "crowd", "", count=3),)))
    assert state.members_wanted(CROWD) and not state.members_wanted(BOB)
    state.add_members(3, (member(1),))
    state.add_members(3, (member(4),))
    state.add_members(3, (member(1), member(4)))  # a page that came twice
    assert state.groups[3].users == (member(1), member(4))
    assert not state.members_wanted(CROWD)
    # Logging in again (after a reconnect) brings the count afresh, and keeps the members.
    state.apply_login(LoginAck(id=1, name="m1", groups=(GroupInfo(3, "crowd", "", count=4),)))
    assert (state.groups[3].count, state.groups[3].users) == (4, (member(1), member(4)))


class MembersConnection(Connection):
    """Answers MEMBERS in pages of 200 from PEOPLE, and HISTORY with nothing."""

    asked: list[Members]

    async def request(self, request: Sendable) -> Ack:
        if isinstance(request, History):
            return Ack(MsgId.HISTORY, messages=(), more=False)
        assert isinstance(request, Members)
        self.asked = [*getattr(self, "asked", []), request]
        after = [p for p in PEOPLE if request.after is None or p.id > request.after]
        return Ack(MsgId.MEMBERS, members=tuple(after[:200]), more=len(after) > 200)


async def test_opening_a_group_asks_for_its_first_members_for_the_title() -> None:
    state = demo_state()
    state.add_group(GroupInfo(3, "crowd", "everyone", count=5000))
    app = ChatApp(Settings(user="alice"), state=state, clock=clock, blink=False)
    connection = MembersConnection("127.0.0.1", 6000)
    app.connection = connection
    async with app.run_test(size=(120, 30)) as pilot:
        title = app.screen.query_one("#title", Static)
        app.post_message(OpenConversation(CROWD))
        await until(lambda: "crowd" in str(title.render()))
        await until(lambda: "m20, …" in str(title.render()))
        await pilot.pause()
        names = ", ".join(f"m{n}" for n in range(1, 21))
        assert str(title.render()) == f"# crowd (group 3) — everyone  ·  5,000 members: {names}, …"
        assert [m.after for m in connection.asked] == [None]
        assert len(state.groups[3].users) == 200
        # Opened again: what is known is enough for the title.
        app.post_message(OpenConversation(BOB))
        app.post_message(OpenConversation(CROWD))
        await pilot.pause()
        assert [m.after for m in connection.asked] == [None]


def test_a_group_whose_members_are_not_known_yet_shows_its_count() -> None:
    assert _members(GroupInfo(3, "crowd", "", count=5000)) == "5,000 members"
    assert _members(GroupInfo(3, "crowd", "", PEOPLE[:2], count=2)) == "m1, m2"
    assert _members(GroupInfo(3, "crowd", "", PEOPLE[:2])) == "m1, m2"  # no count: all known
    assert _members(GroupInfo(3, "crowd", "", PEOPLE[:3], count=40)) == "40 members: m1, m2, m3, …"
