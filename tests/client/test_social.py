"""Friend requests, blocking, leaving a group and finding people, end to end: each slash
command against a real server, its answer told in a notice, the sidebar following."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from rich.console import Console

from chatapp.client.app import ChatApp
from chatapp.client.commands import CommandError, Logout, Social, parse
from chatapp.client.conversation import ConvKey, Kind
from chatapp.client.net import Connection, LinkState, LoginNeeded
from chatapp.client.screens.help import help_table
from chatapp.client.screens.login import LoginScreen
from chatapp.protocol import EndDevice, FriendAnswer, FriendRequest, ListDevices, Unfriend
from chatapp.server.app import ChatServer

from .conftest import make_app, quick_connection, until
from .test_e2e import SIZE, login_error, say, sign_in


def notified(app: ChatApp, text: str) -> bool:
    return any(text in n.message for n in app._notifications)


def listed(app: ChatApp) -> list[str]:
    return [entry.title for entry in app.state.entries()]


async def users(server: ChatServer, *names: str) -> tuple[Connection, list[int]]:
    """Registers `names` (password: name-secret) on one connection, not logged in."""
    conn = quick_connection("127.0.0.1", server.port)
    return conn, [await conn.register(name, f"{name}-secret") for name in names]


def test_social_commands_parse_ids_names_and_nothing() -> None:
    assert parse("/accept bob") == Social("accept", "bob")
    assert parse("/block 7") == Social("block", 7)
    assert parse("/leave") == Social("leave") and parse("/leave 3") == Social("leave", 3)
    assert parse("/who bo") == Social("who", "bo")
    assert parse("/logout-device 2") == Social("logout-device", 2)
    assert parse("/logout --all") == Logout(everywhere=True) and parse("/logout") == Logout()
    for bad, usage in (("/accept", "/accept <id|name>"), ("/requests x", "/requests")):
        with pytest.raises(CommandError, match=usage):
            parse(bad)
    with pytest.raises(CommandError, match="not a number"):
        parse("/logout-device phone")


async def test_friend_requests_are_told_listed_accepted_declined_and_ended(
    server: ChatServer, tmp_path: Path
) -> None:
    conn, (alice_id, bob_id, carol_id) = await users(server, "alice", "bob", "carol")
    await conn.close()
    bob, carol = (quick_connection("127.0.0.1", server.port) for _ in range(2))
    await bob.login("bob-secret", id=bob_id)
    await carol.login("carol-secret", id=carol_id)
    app = make_app(server.port, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice")
        await bob.request(FriendRequest(alice_id))
        await until(lambda: notified(app, f"bob (#{bob_id}) asked to be your friend"))
        assert notified(app, f"/accept {bob_id}")
        await carol.request(FriendRequest(alice_id))
        await say(app, pilot, "/requests")
        await until(lambda: notified(app, f"Asked you: bob (#{bob_id}), carol (#{carol_id})"))
        assert notified(app, "You asked: nobody")
        await say(app, pilot, "/accept bob")
        await until(lambda: bob_id in app.state.friends)
        await until(lambda: "bob" in listed(app))
        await say(app, pilot, f"/decline {carol_id}")
        await until(lambda: notified(app, f"Declined carol (#{carol_id})'s friend request"))
        await say(app, pilot, "/requests")
        await until(lambda: notified(app, "Asked you: nobody"))
        await say(app, pilot, "/unfriend bob")
        await until(lambda: bob_id not in app.state.friends)
        await say(app, pilot, "/accept nobody")
        await until(lambda: notified(app, "nobody is called nobody"))
    await bob.close()
    await carol.close()


async def test_block_unblock_and_the_blocked_list(server: ChatServer, tmp_path: Path) -> None:
    conn, (_, bob_id) = await users(server, "alice", "bob")
    await conn.close()
    app = make_app(server.port, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice")
        await say(app, pilot, "/blocked")
        await until(lambda: notified(app, "Blocked: nobody"))
        await say(app, pilot, "/block bob")
        await until(lambda: notified(app, f"bob (#{bob_id}) is blocked"))
        await say(app, pilot, "/blocked")
        await until(lambda: notified(app, f"Blocked: bob (#{bob_id})"))
        await say(app, pilot, f"/unblock {bob_id}")
        await until(lambda: notified(app, f"bob (#{bob_id}) is unblocked"))
        app._notifications.clear()
        await say(app, pilot, "/blocked")
        await until(lambda: notified(app, "Blocked: nobody"))


async def test_leave_takes_the_open_group_off_the_sidebar(
    server: ChatServer, tmp_path: Path
) -> None:
    app = make_app(server.port, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice", register=True)
        await say(app, pilot, "/create hikers")
        await until(lambda: listed(app) == ["hikers"])
        await say(app, pilot, "/create cooks")
        await until(lambda: sorted(listed(app)) == ["cooks", "hikers"])
        (cooks,) = (g.id for g in app.state.groups.values() if g.groupname == "cooks")
        assert app.state.active == ConvKey(Kind.GROUP, cooks)
        await say(app, pilot, "/leave")
        await until(lambda: listed(app) == ["hikers"])
        assert cooks not in app.state.groups and app.state.active is None
        assert notified(app, f"Left cooks (id {cooks})")
        await say(app, pilot, "/leave")
        await until(lambda: notified(app, "No group is open: /leave <groupid>"))
        (hikers,) = app.state.groups
        await say(app, pilot, f"/leave {hikers}")
        await until(lambda: listed(app) == [])


async def test_who_lists_people_by_prefix_with_their_ids(
    server: ChatServer, tmp_path: Path
) -> None:
    conn, (_, bob_id, bobby_id, _) = await users(server, "alice", "bob", "bobby", "carol")
    await conn.close()
    app = make_app(server.port, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice")
        await say(app, pilot, "/who bo")
        await until(lambda: notified(app, f"#{bob_id} bob: /msg {bob_id}"))
        assert notified(app, f"#{bobby_id} bobby: /msg {bobby_id}")
        assert not notified(app, "carol")
        await say(app, pilot, "/who zed")
        await until(lambda: notified(app, "Nobody's name starts with zed"))


async def test_devices_are_listed_and_one_is_logged_out(server: ChatServer, tmp_path: Path) -> None:
    phone, (alice_id,) = await users(server, "alice")
    phone.device = "phone"
    await phone.login("alice-secret", id=alice_id)
    (phone_id,) = (d.id for d in (await phone.request(ListDevices())).devices or () if d.current)
    app = make_app(server.port, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice")
        await say(app, pilot, "/devices")
        await until(lambda: notified(app, f"• phone (id {phone_id}), online now from 127.0.0.1"))
        assert notified(app, "• this device: ")
        await say(app, pilot, f"/logout-device {phone_id}")
        await until(lambda: notified(app, f"Device {phone_id} is logged out"))
        app._notifications.clear()
        await say(app, pilot, "/devices")
        await until(lambda: notified(app, "• this device: "))
        assert not notified(app, "phone")
    await phone.close()


async def test_a_device_ended_elsewhere_returns_to_the_login_screen_saying_so(
    server: ChatServer, tmp_path: Path
) -> None:
    app = make_app(server.port, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice", register=True)
        phone = quick_connection("127.0.0.1", server.port)
        phone.device = "phone"
        await phone.login("alice-secret", id=app.state.user_id)
        await phone.request(EndDevice(others=True))
        await until(lambda: "logged out from another of yours" in login_error(app))
        assert "Please log in again: this device was" in login_error(app)
        assert app.connection is not None and app.connection.state is not LinkState.RECONNECTING
        await phone.close()


async def test_logout_all_ends_every_device(server: ChatServer, tmp_path: Path) -> None:
    app = make_app(server.port, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice", register=True)
        phone = quick_connection("127.0.0.1", server.port)
        phone.device = "phone"
        await phone.login("alice-secret", id=app.state.user_id)
        ended = phone.events()
        await say(app, pilot, "/logout --all")
        await until(lambda: isinstance(app.screen, LoginScreen))
        async with asyncio.timeout(10):
            async for item in ended:
                if isinstance(item, LoginNeeded):
                    break
        assert phone.state is not LinkState.ONLINE
        await phone.close()


async def test_add_says_whether_it_asked_or_made_a_friend(
    server: ChatServer, tmp_path: Path
) -> None:
    conn, (_, bob_id) = await users(server, "alice", "bob")
    await conn.close()
    app = make_app(server.port, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice")
        await say(app, pilot, f"/add {bob_id}")
        await until(lambda: notified(app, f"Asked bob (#{bob_id}) to be your friend"))
        assert not notified(app, "is a friend now")


async def test_an_answer_and_an_unfriending_follow_live(server: ChatServer, tmp_path: Path) -> None:
    bob, (alice_id, bob_id) = await users(server, "alice", "bob")
    await bob.login("bob-secret", id=bob_id)
    app = make_app(server.port, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice")
        await say(app, pilot, "/requests")
        await until(lambda: notified(app, "Asked you: nobody"))
        await say(app, pilot, f"/add {bob_id}")
        await until(lambda: notified(app, "Asked bob"))
        await say(app, pilot, "/requests")
        await until(lambda: notified(app, f"You asked: bob (#{bob_id})"))
        await bob.request(FriendAnswer(alice_id, accept=True))
        await until(lambda: notified(app, f"bob (#{bob_id}) accepted: you are friends now"))
        assert app.state.friends[bob_id].name == "bob"
        await bob.request(Unfriend(alice_id))
        await until(lambda: notified(app, f"bob (#{bob_id}) ended your friendship"))
        await until(lambda: bob_id not in app.state.friends and "bob" not in listed(app))
    await bob.close()


def test_help_lists_the_social_commands() -> None:
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(help_table())
    shown = console.export_text()
    for usage in (
        *("/requests", "/accept <id|name>", "/decline <id|name>", "/unfriend <id|name>"),
        *("/block <id|name>", "/unblock <id|name>", "/blocked", "/leave [groupid]"),
        *("/who <name prefix>", "/devices", "/logout-device <id>", "/logout [--all]"),
    ):
        assert usage in shown
