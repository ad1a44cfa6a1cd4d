"""Layout in terminal cells: wide characters in message rows and the sidebar, narrow screens."""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.widgets import Input, Static

from chatapp.client.app import ChatApp
from chatapp.client.conversation import Delivery, Line
from chatapp.client.screens.help import KEYS
from chatapp.client.settings import Settings
from chatapp.client.state import ChatState
from chatapp.client.widgets.composer import Composer
from chatapp.client.widgets.message_log import MessageLog
from chatapp.client.widgets.message_rows import NAME_WIDTH, Rows
from chatapp.client.widgets.sidebar import Row, Sidebar

from .conftest import until
from .fakes import NOW, clock, demo_state
from .test_snapshots import RefusingConnection

WIDTH = 60


def rows() -> Rows:
    return Rows(Console(width=WIDTH), lambda name: Style(), WIDTH)


def first_row(line: Line) -> str:
    strips = rows().render(line, WIDTH, Style())
    for strip in strips:
        assert strip.cell_length == WIDTH
    return "".join(segment.text for segment in strips[0])


def rule_column(row: str) -> int:
    """The cell where the `│` between sender and text is."""
    return cell_len(row[: row.index("│")])


def test_wide_text_keeps_its_delivery_mark() -> None:
    for text in ("好的我马上就到请稍等一下谢谢", "on my way 👩‍💻 👨‍👩‍👧", "短"):
        line = Line(1, "alice", text, NOW, own=True, delivery=Delivery.SENT)
        row = first_row(line)
        assert row.rstrip().endswith("✓"), row
        assert cell_len(row.rstrip()) == WIDTH, row  # the mark in its column, the last


def test_wrapped_wide_text_keeps_its_delivery_mark() -> None:
    line = Line(1, "alice", "长" * 50, NOW, own=True, delivery=Delivery.PENDING)
    assert rows().measure(line) == 3  # 37 cells a row: 18 of them, twice as wide
    assert len(rows().render(line, WIDTH, Style())) == 3
    assert first_row(line).rstrip().endswith("◷")


def test_wide_sender_names_keep_the_rule_in_its_column() -> None:
    ascii_row = first_row(Line(2, "bob", "hello", NOW))
    for name in ("张伟", "欧阳娜娜欧阳娜娜", "李" * 20, "👩‍💻 dev"):
        row = first_row(Line(2, name, "hello", NOW))
        assert rule_column(row) == rule_column(ascii_row), row
        label = row[len("15:09 ") : row.index("│")].rstrip()
        assert cell_len(label) <= NAME_WIDTH


def test_sidebar_rows_fit_their_width_in_cells() -> None:
    for title in ("张伟的非常长的名字测试一下看看", "👩‍💻 dev team", "bob"):
        for badge in (Text("  3"), Text()):
            line = Row(Text("●"), Text(title), badge).line(27)
            assert line.cell_len == 27 if badge else line.cell_len <= 27, line.plain
            assert line.plain.endswith(badge.plain)


def app_for(state: ChatState | None) -> ChatApp:
    return ChatApp(
        Settings(user="alice"),
        state=state,
        clock=clock,
        blink=False,
        connection_factory=RefusingConnection,
    )


async def test_a_narrow_screen_hides_the_sidebar_until_asked() -> None:
    app = app_for(demo_state())
    async with app.run_test(size=(60, 20)) as pilot:
        sidebar, log = app.screen.query_one(Sidebar), app.screen.query_one(MessageLog)
        await pilot.pause()
        assert not sidebar.display and log.size.width >= 55
        await pilot.press("f2")
        await pilot.pause()
        assert sidebar.display and sidebar.has_focus
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert not sidebar.display and app.screen.query_one(Composer).has_focus
        await pilot.press("f2", "escape")
        await pilot.pause()
        assert not sidebar.display and app.screen.query_one(Composer).has_focus
        await pilot.press("f2", "down", "enter")  # a conversation picked: out of the way again
        await pilot.pause()
        assert not sidebar.display
        await pilot.resize_terminal(120, 35)
        await pilot.pause()
        assert sidebar.display and sidebar.outer_size.width == 28
        await pilot.press("f2")
        await pilot.pause()
        assert not sidebar.display  # wide, it hides on request too


async def test_the_login_error_shows_on_a_small_terminal() -> None:
    app = app_for(None)
    async with app.run_test(size=(60, 20)) as pilot:
        app.screen.query_one("#password", Input).value = "hunter2"
        await pilot.press("enter")
        error = app.screen.query_one("#error", Static)
        await until(lambda: "wrong" in str(error.render()).lower())
        await pilot.pause()
        form = app.screen.query_one("#form")
        assert form.region.bottom <= 20 and form.region.right <= 60
        assert error.region.height >= 1
        assert form.content_region.contains_region(error.region), (form.region, error.region)
        for field in app.screen.query(Input):
            assert form.content_region.contains_region(field.region)


async def test_help_fits_a_small_terminal() -> None:
    app = app_for(demo_state())
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        panel = app.screen.query_one("#panel")
        assert panel.region.right <= 60 and panel.region.bottom <= 20
        assert any("F2" in key for key, _ in KEYS)
        await pilot.press("end")  # what does not fit is a key away
        await pilot.pause()
        assert panel.scroll_y == panel.max_scroll_y > 0
