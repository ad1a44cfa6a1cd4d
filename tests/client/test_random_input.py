"""Random input: a seeded run of keys, pastes and slash commands through Pilot against a real
server, then proof that the app still runs, its state holds together and it still chats."""

from __future__ import annotations

import asyncio
import os
import random
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot

from chatapp.client.app import ChatApp
from chatapp.client.screens.main import MainScreen
from chatapp.client.widgets.composer import Composer
from chatapp.protocol import AddFriend, ChatMessage
from chatapp.server.app import ChatServer

from .conftest import make_app, quick_connection, until
from .test_e2e import SIZE, say, sign_in

STEPS = 300
# Each seed a run of its own, about 12 s on two cores; add the seed of any run that found a
# crash. CHATAPP_RANDOM_SEEDS=3,4,5 tries others (the run names the seed that failed).
SEEDS = [int(seed) for seed in os.environ.get("CHATAPP_RANDOM_SEEDS", "1").split(",")]

KEYS = [
    *"abcxyz019 /#@",
    "tab", "shift+tab", "enter", "escape", "up", "down", "left", "right", "home", "end",
    "pageup", "pagedown", "f1", "f2", "ctrl+j", "backspace", "delete", "ctrl+n", "ctrl+p",
    "alt+a", "ctrl+home", "ctrl+end",
]  # fmt: skip
ODD_IDS = ["0", "-1", "1", "²", "٣", "99999999999999999999", "9223372036854775808", "1e3", "0x10"]
THEMES = ["nord", "gruvbox", "textual-light", "no-such-theme", ""]
# Code points from every corner: controls, combining marks, right-to-left, wide, emoji, the
# private use area and the last plane; lone surrogates cannot come from a terminal's paste.
RANGES = [(0, 0x7F), (0x80, 0x2FF), (0x300, 0x36F), (0x590, 0x6FF), (0x200B, 0x202E),
          (0x3000, 0x30FF), (0x4E00, 0x4FFF), (0xE000, 0xE0FF), (0xFFF0, 0xFFFF),
          (0x1F300, 0x1FAFF), (0x10FFF0, 0x10FFFF)]  # fmt: skip


def random_text(rng: random.Random, longest: int) -> str:
    chars = []
    for _ in range(rng.randint(0, longest)):
        low, high = rng.choice(RANGES)
        chars.append(chr(rng.randint(low, high)))
    return "".join(chars)


def random_paste(rng: random.Random) -> str:
    match rng.randrange(4):
        case 0:
            return random_text(rng, 40)
        case 1:
            return "\n".join(random_text(rng, 20) for _ in range(rng.randint(2, 8)))
        case 2:
            # Long lines; now and then one over the composer's limit (16,000 characters).
            return rng.choice("xé字🙂") * rng.choice([rng.randint(200, 3000), 16_001])
        case _:
            return rng.choice(["", "\n", "\r\n", "\t", "/", "/msg", "\x00", "\x1b[31m"])


def random_command(rng: random.Random, bob_id: int, group_ids: list[int]) -> str:
    some_id = rng.choice([*ODD_IDS, str(bob_id), *map(str, group_ids)])
    match rng.randrange(9):
        case 0:
            who = rng.choice([some_id, "bob", "nobody", random_text(rng, 8)])
            return f"/msg {who} {random_text(rng, 12)}"
        case 1:
            return f"/msg {some_id}"
        case 2:
            return f"/add {some_id}"
        case 3:
            return f"/join {some_id}"
        case 4 if rng.random() < 0.5:  # most random names are refused: some groups are made
            return f"/create {rng.choice(['devs', 'ünï', '字'])}{rng.randint(0, 99)} a group"
        case 4:
            return f"/create {random_text(rng, 10)} {random_text(rng, 10)}"
        case 5:
            return "/close"
        case 6:
            return "/help"
        case 7:
            return f"/theme {rng.choice(THEMES)}"
        case _:
            return f"/{random_text(rng, 6)}"


def press(app: ChatApp, key: str) -> None:
    """Sends one key as the terminal would, without Pilot's wait for idle after each (which
    makes a run ten times longer): the keys of a step are handled, in order, by its pause."""
    char = key if len(key) == 1 else {"enter": "\r", "tab": "\t", "escape": "\x1b"}.get(key)
    name = {" ": "space", "/": "slash", "#": "number_sign", "@": "at"}.get(key, key)
    event = events.Key(name, char)
    event.set_sender(app)
    assert app._driver is not None
    app._driver.send_message(event)


async def settle(pilot: Pilot[None]) -> None:
    """Lets the app and the screen handle what is queued, and what that queues in turn: far
    quicker than Pilot's wait for the whole process to go idle, which a step does not need."""
    for _ in range(3):
        await pilot._wait_for_screen()


async def command(app: ChatApp, pilot: Pilot[None], line: str) -> None:
    composer = app.screen.query_one(Composer)
    composer.focus()
    composer.value = line
    press(app, "enter")
    await settle(pilot)


async def back_to_main(app: ChatApp, pilot: Pilot[None]) -> None:
    """Closes whatever covers the main screen (the help, say) with Escape."""
    for _ in range(5):
        if isinstance(app.screen, MainScreen):
            return
        press(app, "escape")
        await settle(pilot)
    assert isinstance(app.screen, MainScreen), f"stuck on {app.screen!r}"


async def one_step(app: ChatApp, pilot: Pilot[None], rng: random.Random, bob_id: int) -> None:
    kind = rng.random()
    if kind < 0.6:
        for _ in range(rng.randint(1, 4)):
            press(app, rng.choice(KEYS))
        await settle(pilot)
    elif kind < 0.75:
        app.post_message(events.Paste(random_paste(rng)))  # the app hands it to the focused
        await settle(pilot)
    else:
        await back_to_main(app, pilot)
        await command(app, pilot, random_command(rng, bob_id, sorted(app.state.groups)))


@pytest.mark.parametrize("seed", SEEDS)
async def test_random_input_leaves_a_working_client(
    server: ChatServer, tmp_path: Path, seed: int
) -> None:
    bob = quick_connection("127.0.0.1", server.port)
    bob_id = await bob.register("bob", "bob-secret")
    await bob.login("bob-secret", id=bob_id)
    app = make_app(server.port, tmp_path)
    rng = random.Random(seed)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(app, pilot, "alice", register=True)
            alice_id = app.state.user_id
            await say(app, pilot, f"/add {bob_id}")
            await until(lambda: bob_id in app.state.friends)  # asked
            await bob.request(AddFriend(alice_id))  # and accepted

            for _ in range(STEPS):
                await one_step(app, pilot, rng, bob_id)

            assert app.is_running
            await back_to_main(app, pilot)
            state = app.state
            assert state.user_id == alice_id and bob_id in state.friends
            assert state.active is None or state.active in state.conversations
            assert all(entry.key in state.conversations or entry.key.id in state.groups
                       or entry.key.id in state.friends for entry in state.entries())  # fmt: skip
            # The composer still takes typing, and Enter sends it to bob.
            await say(app, pilot, f"/msg {bob_id}")
            await until(lambda: state.active is not None and state.active.id == bob_id)
            await pilot.press("escape")
            composer = app.screen.query_one(Composer)
            composer.value = ""
            await pilot.press(*"still here", "enter")
            async with asyncio.timeout(10):
                async for event in bob.events():
                    if isinstance(event, ChatMessage) and event.msg == "still here":
                        assert event.id == alice_id
                        break
            assert composer.value == ""
    finally:
        await bob.close()
