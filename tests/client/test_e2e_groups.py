"""Groups with roles end to end: two client apps driven by Pilot and a third user on the
client's own connection, against a real server: a private group, an invitation told and
accepted, a promotion each member pane shows, a refusal in plain words, a removal."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from chatapp.client.app import ChatApp
from chatapp.client.conversation import ConvKey, Kind
from chatapp.client.net import Connection, RequestFailed
from chatapp.client.widgets.member_pane import MemberPane
from chatapp.protocol import AddGroup, Errno, GroupChat, InviteAnswer
from chatapp.server.app import ChatServer

from .conftest import make_app, quick_connection, until
from .test_e2e import SIZE, say, sign_in
from .test_social import notified


def pane(app: ChatApp) -> list[str]:
    """The member pane's rows as shown, under its heading; nothing while it is hidden."""
    members = app.screen.query_one(MemberPane)
    if not members.display:
        return []
    count = members.option_count
    return [str(members.get_option_at_index(i).prompt) for i in range(1, count)]


async def refused(conn: Connection, request: AddGroup | GroupChat) -> Errno | None:
    """The errno the server refuses `request` with; None where it does not."""
    try:
        await conn.request(request)
    except RequestFailed as exc:
        return exc.errno
    return None


async def private_group(alice: ChatApp, pa: Pilot[None], carol: Connection) -> int:
    """alice creates an invite-only group, which carol cannot join; its id."""
    await say(alice, pa, "/create hideout where we plan")
    await until(lambda: alice.state.groups and alice.state.active is not None)
    gid = next(iter(alice.state.groups))
    await say(alice, pa, "/group private on")
    await until(lambda: not alice.state.groups[gid].public)
    await until(lambda: notified(alice, "private: invite only"))
    assert await refused(carol, AddGroup(gid)) is Errno.INVITE_ONLY
    assert pane(alice) == ["● alice (you)  creator"]
    return gid


async def invited(alice: ChatApp, pa: Pilot[None], bob: ChatApp, pb: Pilot[None], gid: int) -> None:
    """alice invites bob, who is told how to answer, lists it and accepts: both panes
    show both."""
    await say(alice, pa, "/invite bob")
    await until(lambda: notified(alice, f"Invited bob (#{bob.state.user_id}) into hideout"))
    await until(lambda: notified(bob, f"/accept-invite {gid} or /decline-invite {gid}"))
    await say(bob, pb, "/invites")
    await until(lambda: notified(bob, f"hideout (group {gid}), from alice"))
    await say(bob, pb, f"/accept-invite {gid}")
    await until(lambda: bob.state.active == ConvKey(Kind.GROUP, gid))
    await until(lambda: pane(bob) == ["● alice  creator", "● bob (you)  member"])
    await until(lambda: pane(alice) == ["● alice (you)  creator", "● bob  member"])


async def test_a_private_group_invites_promotes_and_removes(
    server: ChatServer, tmp_path: Path
) -> None:
    carol = quick_connection("127.0.0.1", server.port)
    await carol.register("carol", "carol-secret")
    await carol.login("carol-secret", name="carol")
    alice, bob = make_app(server.port, tmp_path / "a"), make_app(server.port, tmp_path / "b")
    async with alice.run_test(size=SIZE) as pa, bob.run_test(size=SIZE) as pb:
        await sign_in(alice, pa, "alice", register=True)
        await sign_in(bob, pb, "bob", register=True)

        gid = await private_group(alice, pa, carol)
        await invited(alice, pa, bob, pb, gid)

        await say(alice, pa, "/invite carol")
        await until(lambda: notified(alice, "Invited carol"))
        await carol.request(InviteAnswer(gid, accept=True))
        await until(lambda: "● carol  member" in pane(bob))

        await say(alice, pa, "/role bob admin")
        await until(lambda: notified(bob, "You are now admin of hideout"))
        await until(lambda: "● bob (you)  admin" in pane(bob))
        assert pane(bob)[:2] == ["● alice  creator", "● bob (you)  admin"]  # creator first
        assert "● bob  admin" in pane(alice)

        await say(bob, pb, "/kick alice")  # an admin may not remove the creator
        await until(lambda: notified(bob, "Not allowed for your role"))
        await say(alice, pa, "/kick carol")
        await until(lambda: notified(alice, "Removed carol"))
        await until(lambda: not any("carol" in row for row in pane(bob)))
        assert not any("carol" in row for row in pane(alice))
        heading = bob.screen.query_one(MemberPane).get_option_at_index(0).prompt
        assert str(heading) == "MEMBERS · 2 · 2 ONLINE"
        assert await refused(carol, GroupChat(gid, "still here?")) is Errno.NOT_A_MEMBER

        await say(bob, pb, f"/decline-invite {gid}")  # a member holds no invitation
        await until(lambda: notified(bob, "You hold no invitation into that group."))
        await say(bob, pb, "/group name den")  # an admin edits; the others are told
        await until(lambda: alice.state.groups[gid].groupname == "den")
        await until(lambda: notified(bob, "den (group"))
        await say(alice, pa, "/group history joined")
        await until(lambda: bob.state.groups[gid].history == "joined")
        assert "# den (group" in str(bob.screen.query_one("#title", Static).render())

        await pb.press("f4")  # hidden, and back
        assert pane(bob) == []
        await pb.press("f4")
        assert pane(bob)[0] == "● alice  creator"
    await carol.close()


async def test_an_invitation_made_while_away_is_told_at_login(
    server: ChatServer, tmp_path: Path
) -> None:
    conn = quick_connection("127.0.0.1", server.port)
    await conn.register("bob", "bob-secret")
    await conn.close()
    alice, bob = make_app(server.port, tmp_path / "a"), make_app(server.port, tmp_path / "b")
    async with alice.run_test(size=SIZE) as pa:
        await sign_in(alice, pa, "alice", register=True)
        await say(alice, pa, "/create hideout")
        await until(lambda: alice.state.groups)
        gid = next(iter(alice.state.groups))
        await say(alice, pa, "/invite bob")
        await until(lambda: notified(alice, "Invited bob"))
        async with bob.run_test(size=SIZE) as pb:
            await sign_in(bob, pb, "bob")
            await until(lambda: notified(bob, f"/accept-invite {gid} or /decline-invite {gid}"))
            assert notified(bob, f"alice (#{alice.state.user_id}) invited you into hideout")
