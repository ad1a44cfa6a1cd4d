"""MainScreen: sidebar, conversation, composer and status line; a view of the client's state."""

from __future__ import annotations

from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList, Static

from ..completion import names
from ..conversation import Conversation, ConvKey, Kind, Line
from ..history import InputHistory, history_path
from ..messages import LoadHistory, OpenConversation
from ..state import ChatState
from ..widgets.composer import Composer
from ..widgets.member_pane import CSS as MEMBERS_CSS
from ..widgets.member_pane import MemberPane
from ..widgets.message_log import MessageLog
from ..widgets.sidebar import Sidebar
from ..widgets.status_line import StatusLine
from ..widgets.typing_line import TypingLine
from .composing import ComposingScreen
from .finding import FindingScreen
from .headings import banner, hint, members_line
from .notices import CSS as NOTICES_CSS
from .notices import Notices
from .reading import ReadingScreen

SIDEBAR_MIN = 90
"""Narrower than this, the sidebar is hidden until asked for (F2): the messages need the room."""


class MainScreen(FindingScreen, ReadingScreen, ComposingScreen):
    """The chat itself, drawn from the state it is given. What the user does goes up to the
    app as messages; the app changes the state and calls the methods that redraw."""

    # Not ClassVar: Textual's `ClassVar[...] | None` is an instance variable to mypy.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (SIDEBAR_MIN, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n,alt+down", "cycle(1)", "Next", priority=True),
        Binding("ctrl+p,alt+up", "cycle(-1)", "Previous", priority=True),
        Binding("alt+a", "next_unread", "Next unread", priority=True),
        Binding("alt+u", "first_unread", "First unread", priority=True),
        Binding("f2,ctrl+b", "toggle_sidebar", "Sidebar", priority=True),
        Binding("f4", "toggle_members", "Members", priority=True),
        Binding("pageup", "scroll_log(-1)", "Page up", show=False),
        Binding("pagedown", "scroll_log(1)", "Page down", show=False),
        Binding("ctrl+home", "oldest", "Oldest", show=False),
        Binding("ctrl+end,end", "newest", "Newest", show=False),  # End: the composer's if empty
        Binding("escape", "focus_composer", "Composer", show=False),
    ]

    DEFAULT_CSS = (
        """
    MainScreen {
        #conversation { width: 1fr; }
        #panes { layers: below above; }
        /* Narrow, the sidebar shown covers the messages rather than squeezing them. */
        &.-narrow #sidebar { position: absolute; layer: above; }
        #title {
            height: 1;
            padding: 0 1;
            background: $panel;
            color: $text;
            text-style: bold;
        }
    }
    """
        + NOTICES_CSS
        + MEMBERS_CSS
    )

    def __init__(
        self, state: ChatState, *, blink: bool = True, history: InputHistory | None = None
    ) -> None:
        super().__init__()
        self.state = state
        self.history = history or InputHistory.load(history_path())
        self._blink = blink
        self._notices = Notices()
        self._narrow: bool | None = None  # None until the first size is known

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield Sidebar(id="sidebar")
            with Vertical(id="conversation"):
                yield Static(id="title", markup=False)  # names are other people's
                with Horizontal(id="body"):
                    yield MessageLog(id="log")
                    yield MemberPane(id="members")
                yield TypingLine(id="typing")
                yield Composer(placeholder="Message, or /help", id="composer")
        yield StatusLine(id="status")

    ready = False
    """True between mount and unmount: only then may the app call the redrawing methods."""

    def on_mount(self) -> None:
        composer = self.query_one(Composer)
        composer.cursor_blink = self._blink
        composer.names = lambda: names(self.state, self.state.active)
        self.query_one(MessageLog).marker = self.marks  # searches and mentions (finding.py)
        composer.focus()
        self.refresh_all()
        self.ready = True

    def on_unmount(self) -> None:
        self.ready = False

    def on_resize(self, event: events.Resize) -> None:
        """Shows or hides the sidebar as the width crosses SIDEBAR_MIN; in between, F2 rules."""
        narrow = event.size.width < SIDEBAR_MIN
        if narrow != self._narrow:
            self._narrow = narrow
            self._show_sidebar(not narrow)
        self.query_one(MemberPane).fit(event.size.width, self.state)

    def action_toggle_sidebar(self) -> None:
        self._show_sidebar(not self.query_one(Sidebar).display)

    def action_toggle_members(self, show: bool | None = None) -> None:
        if not self.query_one(MemberPane).toggle(self.state, show, over=bool(self._narrow)):
            self.query_one(Composer).focus()

    def _show_sidebar(self, show: bool) -> None:
        sidebar = self.query_one(Sidebar)
        sidebar.display = show
        if show and self._narrow:
            sidebar.focus()  # asked for to pick a conversation
        elif not show and (self.focused is None or self.focused is sidebar):
            self.query_one(Composer).focus()

    # --- Called by the app as the state changes -------------------------------------------

    def refresh_all(self) -> None:
        """Redraws everything from the state."""
        self.refresh_sidebar()
        self.refresh_status()
        self._show_conversation()

    def refresh_sidebar(self, changed: ConvKey | None = None) -> None:
        """Redraws the sidebar and the title; only the row of `changed` where that alone
        changed (its unread count, or presence) and the sidebar has its row."""
        sidebar, entry = self.query_one(Sidebar), changed and self.state.entry(changed)
        if not entry or not sidebar.update(entry, self.state.active):
            sidebar.show(self.state.entries(), self.state.active)
        if self._shown != self.state.active:  # it was closed
            self._show_conversation()
        self._show_title()

    def refresh_status(self) -> None:
        self.query_one(StatusLine).show(self.state)

    def conversation_opened(self) -> None:
        """Another conversation became the open one."""
        if self.state.active is not None:
            self._notices.forget(self.app, self.state.active)
        self.refresh_sidebar()
        self._show_conversation()

    def message_arrived(self, conv: Conversation, line: Line) -> None:
        """A message for `conv`: shown if it is open, otherwise counted and announced."""
        log = self.query_one(MessageLog)
        if conv.key != self.state.active:
            if not line.own:  # ours, from another device: nothing to announce
                self._notices.announce(self.app, conv, line)
        elif conv.lines[-1] is line and log.message_count:
            log.append(line)
        else:
            # It belongs further up (deliveries can overtake), or is the first under the banner.
            self.conversation_changed(conv)
        self.refresh_sidebar(conv.key)

    def line_changed(self, line: Line) -> None:
        self.query_one(MessageLog).update_line(line)

    def conversation_changed(self, conv: Conversation) -> None:
        """Redraws `conv` if it is open (history came, or a line moved), keeping the view."""
        if conv.key == self.state.active:
            log = self.query_one(MessageLog)
            log.hint = hint(conv)
            self.place_divider(conv)
            log.replace(conv.lines, banner(conv))
            self.search_history_came(conv)

    # --- Conversations --------------------------------------------------------------------

    _shown: ConvKey | None = None
    """The conversation the log shows."""

    def _show_conversation(self) -> None:
        log, self._shown = self.query_one(MessageLog), self.state.active
        if self.state.active is None:
            log.show([], "Pick a conversation on the left (F2), or type /msg <id> to start one.")
        else:
            conv = self.state.conversation(self.state.active)
            self.place_divider(conv)
            log.show(conv.lines, hint(conv), banner(conv))
        self.query_one(Composer).recall(self.history.lines(self._history_key()))
        self.query_one(TypingLine).show(self.state.active)
        self._show_title()
        self.search_shown()

    def _show_title(self) -> None:
        state, title = self.state, self.query_one("#title", Static)
        self.query_one(MemberPane).show(state)
        key = state.active
        if key is None:
            title.update(f"Welcome, {state.user_name}")
        elif key.kind is Kind.GROUP and (group := state.groups.get(key.id)):
            desc = f" — {group.groupdesc}" if group.groupdesc else ""
            title.update(f"# {group.groupname} (group {key.id}){desc}  ·  {members_line(group)}")
        else:
            friend = state.friends.get(key.id)
            seen = f"  ·  {friend.state}" if friend else "  ·  not a friend (/add to add)"
            title.update(f"@ {state.title(key)} (#{key.id}){seen}")

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.post_message(OpenConversation(ConvKey.parse(event.option.id)))
            if self._narrow:
                self._show_sidebar(False)  # it covered half the messages
            self.query_one(Composer).focus()

    def action_cycle(self, step: int) -> None:
        keys = [e.key for e in self.state.entries()]
        if keys:
            active = self.state.active
            here = keys.index(active) if active in keys else -step if step > 0 else 0
            self.post_message(OpenConversation(keys[(here + step) % len(keys)]))

    def action_next_unread(self) -> None:
        entries = [e for e in self.state.entries() if e.unread]
        if entries:
            self.post_message(OpenConversation(entries[0].key))
        else:
            self.notify("No unread messages")

    def action_scroll_log(self, pages: int) -> None:
        log = self.query_one(MessageLog)
        log.scroll_page_down() if pages > 0 else log.action_page_up()

    def action_oldest(self) -> None:
        self.query_one(MessageLog).action_scroll_home()

    def action_newest(self) -> None:
        self.query_one(MessageLog).scroll_to_newest()

    @on(MessageLog.TopReached)
    def _older(self) -> None:
        """The reader wants what is before the oldest message shown."""
        if self.state.active is not None:
            self.post_message(LoadHistory(self.state.active))

    def action_focus_composer(self) -> None:
        if self._narrow:
            self._show_sidebar(False)  # shown over the messages, it goes with Escape
            self.action_toggle_members(False)
        self.clear_search()
        self.query_one(Composer).focus()
