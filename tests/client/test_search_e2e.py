"""End to end against a real server: a mention alerts and is marked; a search pages back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual import events
from textual.pilot import Pilot
from textual.widgets import OptionList

from chatapp.client.alerts import TITLE, AlertCount
from chatapp.client.app import ChatApp
from chatapp.client.conversation import ConvKey, Kind
from chatapp.client.net import Connection
from chatapp.client.screens.finding import SearchBar
from chatapp.client.screens.results import SearchResults
from chatapp.client.settings import Settings
from chatapp.client.widgets.composer import Composer
from chatapp.client.widgets.message_log import MessageLog
from chatapp.protocol import CreateGroup, GroupChat, OneChat
from chatapp.server.app import ChatServer

from .conftest import quick_connection, server_config, until
from .fakes import clock
from .test_e2e import say, sign_in

SIZE = (140, 30)  # wide enough for the member pane beside unwrapped rows


class Clock:
    """The alerts' clock, moved by hand: bells are counted, never timed."""

    now = 0.0

    def __call__(self) -> float:
        return self.now


class CountingApp(ChatApp):
    """The client with its bell counted (the terminal's is not there to hear)."""

    bells = 0
    written: list[str]

    def bell(self) -> None:
        self.bells += 1
        super().bell()

    def _write(self, sequence: str) -> None:
        """What the terminal would be sent (headless, it is sent nothing)."""
        self.written = [*getattr(self, "written", []), sequence]
        super()._write(sequence)


def counting_app(port: int, config_dir: Path, alert_clock: Clock) -> CountingApp:
    settings = Settings(host="127.0.0.1", port=port)
    app = CountingApp(
        settings,
        config_dir / "client.json",
        clock=clock,
        connection_factory=quick_connection,
        blink=False,
    )
    app.alert_count = AlertCount(alert_clock)
    return app


def reversed_text(app: ChatApp, needle: str) -> str:
    """The reverse-styled (marked) text on the message log's row that shows `needle`."""
    log = app.screen.query_one(MessageLog)
    for y in range(log.size.height):
        strip = log.render_line(y)
        if needle in strip.text:
            return "".join(s.text for s in strip if s.style is not None and s.style.reverse)
    raise AssertionError(f"no row shows {needle!r}")


def bar(app: ChatApp) -> str:
    bars = app.screen.query(SearchBar)
    return str(bars.first().render()) if bars else ""


async def bob_and_his_group(server: ChatServer) -> tuple[Connection, ConvKey]:
    """bob, logged in on a connection of his own, and the group he created."""
    bob = quick_connection("127.0.0.1", server.port)
    await bob.register("bob", "bob-secret")
    await bob.login("bob-secret", name="bob")
    group_id = (await bob.request(CreateGroup("devs", ""))).groupid or 0
    return bob, ConvKey(Kind.GROUP, group_id)


async def join(app: ChatApp, pilot: Pilot[None], group: ConvKey) -> None:
    """alice registers and joins `group`, which opens."""
    await sign_in(app, pilot, "alice", register=True)
    await say(app, pilot, f"/join {group.id}")
    await until(lambda: app.state.active == group)


async def test_a_mention_elsewhere_rings_titles_and_is_marked(
    server: ChatServer, tmp_path: Path
) -> None:
    bob, group = await bob_and_his_group(server)
    app = counting_app(server.port, tmp_path, Clock())
    async with app.run_test(size=SIZE) as pilot:
        await join(app, pilot, group)
        await say(app, pilot, "/close")
        await until(lambda: app.state.active is None)

        await bob.request(GroupChat(group.id, "hello all, and malice to none"))
        await bob.request(GroupChat(group.id, "hey @Alice, the build is red"))
        await until(lambda: app.state.unread(group) == 2)
        assert app.bells == 1 and app.terminal_title == f"(1) {TITLE}"  # the mention alone
        # The terminal's own title is kept on its stack, then ours is set (OSC 2).
        assert app.written == ["\x1b[22;0t", f"\x1b]2;(1) {TITLE}\x07"]
        await bob.request(GroupChat(group.id, "alice: still red"))
        await until(lambda: app.terminal_title == f"(2) {TITLE}")
        assert app.bells == 1  # within the quiet interval: counted, not rung

        await pilot.press("alt+a")  # open the group: read, the title is plain again
        await until(lambda: app.state.active == group and app.terminal_title == TITLE)
        assert app.written[-2:] == [f"\x1b]2;{TITLE}\x07", "\x1b[23;0t"]  # and given back
        await pilot.pause()
        assert reversed_text(app, "build is red") == "@Alice"
        assert reversed_text(app, "still red") == "alice"
        assert reversed_text(app, "malice to none") == ""  # inside a word: no mention
    await bob.close()


async def test_focus_direct_messages_and_the_alerts_setting(
    server: ChatServer, tmp_path: Path
) -> None:
    bob, group = await bob_and_his_group(server)
    alert_clock = Clock()
    app = counting_app(server.port, tmp_path, alert_clock)
    async with app.run_test(size=SIZE) as pilot:
        await join(app, pilot, group)
        app.post_message(events.AppBlur())  # the terminal lost focus: the open group alerts
        await until(lambda: not app.app_focus)
        await bob.request(GroupChat(group.id, "alice?"))
        await until(lambda: app.bells == 1)
        assert app.terminal_title == f"(1) {TITLE}"
        app.post_message(events.AppFocus())  # and back: the group is in view, so read
        await until(lambda: app.terminal_title == TITLE)

        alert_clock.now += 60
        await bob.request(OneChat(app.state.user_id, "are you there?"))  # a direct message
        await until(lambda: app.bells == 2)
        assert app.terminal_title == f"(1) {TITLE}"
        await pilot.press("alt+a")
        await until(lambda: app.state.active is not None and app.state.active.kind is Kind.USER)
        assert app.terminal_title == TITLE

        await say(app, pilot, "/alerts off")
        assert app.settings.alerts == "off"
        await bob.request(GroupChat(group.id, "@alice once more"))
        await until(lambda: app.state.unread(group) == 1)
        assert app.bells == 2 and app.terminal_title == TITLE

        await say(app, pilot, "/alerts both")
        assert app.settings.alerts == "bell+title"
        await bob.request(GroupChat(group.id, "@alice and again"))
        await until(lambda: app.terminal_title == f"(1) {TITLE}")
        await say(app, pilot, "/logout")  # the count was this user's: it goes with them
        await until(lambda: app.terminal_title == TITLE and app.state.user_id == 0)
    await bob.close()


async def test_messages_that_came_while_away_count_in_the_title(
    server: ChatServer, tmp_path: Path
) -> None:
    bob = quick_connection("127.0.0.1", server.port)
    alice_id = await bob.register("alice", "alice-secret")
    bob_id = await bob.register("bob", "bob-secret")
    await bob.login("bob-secret", name="bob")
    for text in ("are you there?", "ping me when back"):
        await bob.request(OneChat(alice_id, text))
    app = counting_app(server.port, tmp_path, Clock())
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice")
        await until(lambda: app.terminal_title == f"(2) {TITLE}")
        assert app.bells == 0  # a login's catch-up is counted, not rung
        await pilot.press("alt+a")
        await until(lambda: app.state.active == ConvKey(Kind.USER, bob_id))
        assert app.terminal_title == TITLE
    await bob.close()


async def test_search_pages_back_steps_and_finds_across_conversations(
    server: ChatServer, tmp_path: Path
) -> None:
    raw = quick_connection("127.0.0.1", server.port)
    bob_id = await raw.register("bob", "bob-secret")
    await raw.register("alice", "alice-secret")
    await raw.login("alice-secret", name="alice")
    await raw.request(OneChat(bob_id, "the Needle is in here"))
    for n in range(60):  # more than a page of history (50) above the needle
        await raw.request(OneChat(bob_id, f"filler {n}"))
    await raw.close()
    bob_chat = ConvKey(Kind.USER, bob_id)
    app = counting_app(server.port, tmp_path, Clock())
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, "alice")
        await say(app, pilot, f"/msg {bob_id}")
        conv = app.state.conversation(bob_chat)
        await until(lambda: conv.paging.started and not conv.paging.loading)
        assert "the Needle is in here" not in [line.text for line in conv.lines]

        await pilot.press("ctrl+f")
        assert app.screen.query_one(Composer).value == "/search "
        await say(app, pilot, "/search NEEDLE")  # not loaded: older pages come
        await until(lambda: "match 1 of 1" in bar(app))
        assert conv.lines[0].text == "the Needle is in here"
        await pilot.pause()
        assert reversed_text(app, "is in here") == "Needle"

        await say(app, pilot, "/search Filler 5")  # filler 5 and 50 to 59
        await until(lambda: "match 11 of 11" in bar(app))
        await pilot.press("shift+f3")
        assert "match 10 of 11" in bar(app)
        await pilot.pause()
        assert reversed_text(app, "filler 58") == "filler 5"
        await pilot.press("f3", "f3")
        assert "match 1 of 11" in bar(app)  # round the newest end to the oldest
        await pilot.pause()
        assert reversed_text(app, "filler 5 ") == "filler 5"
        await pilot.press("escape")
        assert bar(app) == "" and app.screen.query_one(MessageLog).marker is not None
        await pilot.pause()
        assert reversed_text(app, "filler 5 ") == ""

        await say(app, pilot, "/create team")
        await until(lambda: app.state.active is not None and app.state.active.kind is Kind.GROUP)
        await say(app, pilot, "/search --all needle")
        await until(lambda: isinstance(app.screen, SearchResults))
        assert "1 match" in str(app.screen.query_one("#results").border_title)
        assert app.screen.query_one(OptionList).option_count == 1
        await pilot.press("enter")
        await until(lambda: app.state.active == bob_chat and "match 1 of 1" in bar(app))
        await pilot.pause()
        assert reversed_text(app, "is in here") == "Needle"


async def test_a_search_gives_up_after_ten_pages_until_asked_again(tmp_path: Path) -> None:
    small_pages = ChatServer(replace(server_config(tmp_path), history_page=2))
    await small_pages.start()
    raw = quick_connection("127.0.0.1", small_pages.port)
    bob_id = await raw.register("bob", "bob-secret")
    await raw.register("alice", "alice-secret")
    await raw.login("alice-secret", name="alice")
    await raw.request(OneChat(bob_id, "the oldest needle"))
    for n in range(29):  # the first page and ten more hold 22 of these 30
        await raw.request(OneChat(bob_id, f"hay {n}"))
    await raw.close()
    app = counting_app(small_pages.port, tmp_path, Clock())
    try:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(app, pilot, "alice")
            await say(app, pilot, f"/msg {bob_id}")
            conv = app.state.conversation(ConvKey(Kind.USER, bob_id))
            await until(lambda: conv.paging.started and not conv.paging.loading)
            await say(app, pilot, "/search needle")
            await until(lambda: "F3 looks further" in bar(app))
            assert "no match in the 22 messages loaded (10 older pages" in bar(app)
            await pilot.press("f3")
            await until(lambda: "match 1 of 1" in bar(app))
            assert conv.lines[0].text == "the oldest needle" and conv.paging.complete
    finally:
        await small_pages.shutdown()
