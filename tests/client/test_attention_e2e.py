"""Typing, the user's other devices and /add by name, end to end: client apps driven by
Pilot against a real ChatServer on loopback."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from chatapp.client.app import ChatApp
from chatapp.client.conversation import ConvKey, Kind
from chatapp.client.widgets.composer import Composer
from chatapp.client.widgets.typing_line import TypingLine
from chatapp.protocol import AddFriend, AddGroup, EndDevice, ListDevices, OneChat, Typing
from chatapp.server.app import ChatServer

from .conftest import make_app, quick_connection, server_config, until
from .test_e2e import SIZE, say, sign_in, texts
from .test_social import notified, users


def typing_line(app: ChatApp) -> str:
    """What the typing line above the composer says; nothing while it is hidden."""
    line = app.screen.query_one(TypingLine)
    return str(line.render()) if line.display else ""


async def test_bob_sees_alice_typing_until_her_message_comes(
    server: ChatServer, tmp_path: Path
) -> None:
    alice, bob = make_app(server.port, tmp_path / "a"), make_app(server.port, tmp_path / "b")
    async with alice.run_test(size=SIZE) as pa, bob.run_test(size=SIZE) as pb:
        await sign_in(alice, pa, "alice", register=True)
        await sign_in(bob, pb, "bob", register=True)
        bob_id, alice_id = bob.state.user_id, alice.state.user_id
        await say(alice, pa, "/add bob")  # by name
        await until(lambda: notified(alice, f"Asked bob (#{bob_id}) to be your friend"))
        await say(bob, pb, "/add alice")  # and accepted, by name too
        await until(lambda: bob_id in alice.state.friends and alice_id in bob.state.friends)
        await say(bob, pb, "/msg alice")
        await say(alice, pa, "/msg bob")
        await until(lambda: alice.state.active == ConvKey(Kind.USER, bob_id))
        assert typing_line(bob) == ""

        alice.screen.query_one(Composer).focus()
        await pa.press("h", "e", "y")
        await until(lambda: typing_line(bob) == "alice is typing…")
        assert typing_line(alice) == ""  # nobody types to her
        await pa.press("enter")
        alice_chat = ConvKey(Kind.USER, alice_id)
        await until(lambda: texts(bob, alice_chat) == ["hey"])
        await until(lambda: typing_line(bob) == "")  # her message ended her typing


async def test_alice_hears_of_her_new_device_and_sees_its_message_labelled(
    server: ChatServer, tmp_path: Path
) -> None:
    conn, (alice_id, bob_id) = await users(server, "alice", "bob")
    await conn.login("bob-secret", id=bob_id)
    await conn.request(AddFriend(alice_id))
    app = make_app(server.port, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice")
        phone = quick_connection("127.0.0.1", server.port)
        phone.device = "phone"
        await phone.login("alice-secret", id=alice_id)
        await until(lambda: notified(app, "Your account logged in on phone (127.0.0.1)"))
        await phone.request(AddFriend(bob_id))  # accepts bob's request
        await phone.request(OneChat(bob_id, "sent from my phone"))
        bob_chat = ConvKey(Kind.USER, bob_id)
        await until(lambda: texts(app, bob_chat) == ["sent from my phone"])
        line = app.state.conversations[bob_chat].lines[-1]
        assert line.own and line.note == "from another device"
        assert app.state.unread(bob_chat) == 0

        tablet = quick_connection("127.0.0.1", server.port)
        tablet.device = "tablet"
        await tablet.login("alice-secret", id=alice_id)
        await until(lambda: notified(app, "Your account logged in on tablet (127.0.0.1)"))
        assert not notified(app, "sent from my phone")  # ours: no pop-up, news came after
        devices = (await tablet.request(ListDevices())).devices or ()
        (tablet_id,) = (d.id for d in devices if d.current)
        await phone.request(EndDevice(device=tablet_id))
        await until(lambda: notified(app, f"Device {tablet_id} was logged out"))
        await phone.close()
        await tablet.close()
    await conn.close()


async def test_who_says_when_more_names_start_so(tmp_path: Path) -> None:
    """The server pages no further than its --users-page: /who says to type more."""
    small = ChatServer(replace(server_config(tmp_path), users_page=2))
    await small.start()
    try:
        conn, (bob_id, _, _) = await users(small, "bob", "bobby", "bobo")
        await conn.close()
        app = make_app(small.port, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(app, pilot, "bob")
            await say(app, pilot, "/who bo")
            await until(lambda: notified(app, f"#{bob_id} bob: /msg {bob_id}"))
            assert notified(app, "…and more: type more of the name than bo")
            app._notifications.clear()
            await say(app, pilot, "/who bobb")
            await until(lambda: notified(app, "bobby"))
            assert not notified(app, "and more")
    finally:
        await small.shutdown()


async def test_alice_sees_two_members_typing_in_a_group_but_not_her_phone(
    server: ChatServer, tmp_path: Path
) -> None:
    conn, (alice_id, bob_id, carol_id) = await users(server, "alice", "bob", "carol")
    await conn.close()
    app = make_app(server.port, tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await sign_in(app, pilot, "alice")
        await say(app, pilot, "/create devs")
        await until(lambda: app.state.active is not None)
        group = app.state.active
        assert group is not None
        others = []
        for user_id, name in ((bob_id, "bob"), (carol_id, "carol"), (alice_id, "alice")):
            other = quick_connection("127.0.0.1", server.port)
            other.device = "phone"
            await other.login(f"{name}-secret", id=user_id)
            if user_id != alice_id:
                await other.request(AddGroup(group.id))
            others.append(other)
        bob, carol, phone = others
        await phone.request(Typing(groupid=group.id))  # her own phone: not news to her
        await bob.request(Typing(groupid=group.id))
        await until(lambda: typing_line(app) == "bob is typing…")
        await carol.request(Typing(groupid=group.id))
        await until(lambda: typing_line(app) == "bob and carol are typing…")
        for other in others:
            await other.close()
