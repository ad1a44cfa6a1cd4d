"""Snapshots of groups with roles: the member pane beside the messages, and over them on a
small screen; what /group shows; an invitation's notice. Fixed data, a frozen clock."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets._toast import Toast

from chatapp.client.app import ChatApp
from chatapp.client.conversation import Line
from chatapp.client.messages import ServerEvent
from chatapp.client.settings import Settings
from chatapp.client.widgets.composer import Composer
from chatapp.client.widgets.member_pane import MemberPane
from chatapp.protocol import GroupEvent, GroupInfo, GroupSettings, MemberInfo, Person

from .conftest import until
from .fakes import DEVS, NOW, clock, demo_state
from .test_snapshots import RefusingConnection

SnapCompare = Callable[..., bool]
SIZES = [(120, 35), (60, 20)]


def group_app() -> ChatApp:
    """alice in devs: twelve members, five of them read, bob an admin; devs open."""
    state = demo_state()
    members = (
        MemberInfo(1, "alice", "online", "creator"),
        MemberInfo(2, "bob", "online", "admin"),
        MemberInfo(3, "carol", "offline", "normal"),
        MemberInfo(4, "dave", "online", "normal"),
        MemberInfo(5, "erin", "offline", "normal"),
    )
    state.add_group(GroupInfo(1, "devs", "build talk", members, count=12, public=False))
    state.open(DEVS)
    for minute, (who, name, text) in enumerate(
        ((2, "bob", "the build is green"), (4, "dave", "shipping it"), (1, "alice", "thanks!"))
    ):
        line = Line(who, name, text, NOW.replace(hour=9, minute=minute), who == 1)
        state.conversation(DEVS).lines.append(line)
    return ChatApp(
        Settings(user="alice"),
        state=state,
        clock=clock,
        blink=False,
        connection_factory=RefusingConnection,
    )


@pytest.mark.parametrize("size", SIZES)
def test_member_pane(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def shown(pilot: Pilot[None]) -> None:
        pane = pilot.app.screen.query_one(MemberPane)
        if not pane.display:  # hidden by default on a small screen: F4 shows it
            await pilot.press("f4")
        assert pane.display and pane.option_count == 7
        await pilot.pause()

    assert snap_compare(group_app(), terminal_size=size, run_before=shown)


@pytest.mark.parametrize("size", SIZES)
def test_group_settings(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def asked(pilot: Pilot[None]) -> None:
        composer = pilot.app.screen.query_one(Composer)
        composer.value = "/group"
        await pilot.press("enter")
        await until(lambda: len(pilot.app.screen.query(Toast)) == 1)
        await pilot.pause()

    assert snap_compare(group_app(), terminal_size=size, run_before=asked)


@pytest.mark.parametrize("size", SIZES)
def test_invitation_notice(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def invited(pilot: Pilot[None]) -> None:
        secret = GroupSettings(9, "secret plans", "", public=False)
        bob = Person(2, "bob", "creator")
        pilot.app.post_message(
            ServerEvent(GroupEvent(9, "invited", Person(1, "alice"), by=bob, group=secret))
        )
        await until(lambda: len(pilot.app.screen.query(Toast)) == 1)
        await pilot.pause()

    assert snap_compare(group_app(), terminal_size=size, run_before=invited)
