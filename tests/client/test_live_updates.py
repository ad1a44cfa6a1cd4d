"""Live changes the state takes without a new login: group members joining and leaving,
and presence that turns unknown while the link is down."""

from __future__ import annotations

import asyncio

from textual.widgets import Static

from chatapp.client.app import ChatApp
from chatapp.client.messages import LinkUpdate, OpenConversation, ServerEvent
from chatapp.client.net import Connection, LinkChanged, LinkState
from chatapp.client.settings import Settings
from chatapp.client.widgets.sidebar import Row, Sidebar
from chatapp.protocol import AddGroup, CreateGroup, GroupEvent, Person
from chatapp.server.app import ChatServer

from .conftest import until
from .fakes import BOB, DEVS, clock, demo_state


def test_joined_and_left_change_the_member_list_live() -> None:
    state = demo_state()
    assert state.pushed(GroupEvent(1, "joined", Person(5, "eve", "normal"))) is None
    group = state.groups[1]
    assert [u.name for u in group.users] == ["alice", "bob", "eve"]
    assert group.count == 3
    state.pushed(GroupEvent(1, "joined", Person(5, "eve", "normal")))  # told twice: once
    assert [u.name for u in state.groups[1].users] == ["alice", "bob", "eve"]
    state.pushed(GroupEvent(1, "left", Person(2, "bob", "normal")))
    state.pushed(GroupEvent(1, "removed", Person(5, "eve", "normal"), by=Person(1, "alice")))
    assert [u.name for u in state.groups[1].users] == ["alice"]
    assert state.groups[1].count == 1
    state.pushed(GroupEvent(1, "removed", Person(1, "alice", "creator"), by=Person(9, "x")))
    assert DEVS.id not in state.groups


async def test_the_connection_passes_group_events_on(server: ChatServer) -> None:
    ann, bob = Connection("127.0.0.1", server.port), Connection("127.0.0.1", server.port)
    try:
        await ann.register("ann", "pw")
        bob_id = await bob.register("bob", "pw")
        await ann.login("pw", name="ann")
        await bob.login("pw", name="bob")
        group_id = (await ann.request(CreateGroup("g", ""))).groupid or 0
        await bob.request(AddGroup(group_id))
        told: GroupEvent | None = None
        async with asyncio.timeout(10):
            async for item in ann.events():
                if isinstance(item, GroupEvent):
                    told = item
                    break
        assert told is not None
        assert (told.groupid, told.event, told.user.id) == (group_id, "joined", bob_id)
    finally:
        await ann.close()
        await bob.close()


def test_friends_show_offline_while_the_link_is_down() -> None:
    state = demo_state()
    before = state.entry(BOB)
    assert before is not None and before.online is True
    assert state.set_link(LinkChanged(LinkState.RECONNECTING, "connection lost"))
    entry = state.entry(BOB)
    assert entry is not None and entry.online is False
    assert state.friends[BOB.id].state == "offline"
    assert not state.set_link(LinkChanged(LinkState.CONNECTING))  # nothing more to change
    assert state.link.state is LinkState.CONNECTING


async def test_the_header_and_sidebar_follow_joins_and_outages_live() -> None:
    state = demo_state()
    app = ChatApp(Settings(user="alice"), state=state, clock=clock, blink=False)
    async with app.run_test(size=(120, 30)) as pilot:
        title = app.screen.query_one("#title", Static)
        app.post_message(OpenConversation(DEVS))
        await until(lambda: "devs" in str(title.render()))
        app.post_message(ServerEvent(GroupEvent(1, "joined", Person(5, "eve", "normal"))))
        await until(lambda: "eve" in str(title.render()))
        assert "alice, bob, eve" in str(title.render())
        app.post_message(LinkUpdate(LinkChanged(LinkState.RECONNECTING, "connection lost")))
        await until(lambda: state.link.state is LinkState.RECONNECTING)
        await pilot.pause()
        row = app.screen.query_one(Sidebar).get_option(str(BOB)).prompt
        assert isinstance(row, Row) and row.marker.plain == "○"  # bob was online
