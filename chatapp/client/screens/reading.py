"""ReadingScreen: the main screen's part in reading: the "new messages" divider, the key that
jumps to it, and telling the app when the user sees the newest messages (their READ)."""

from __future__ import annotations

from textual import on
from textual.screen import Screen

from ..conversation import Conversation
from ..messages import SawNewest
from ..state import ChatState
from ..widgets.message_log import MessageLog


class ReadingScreen(Screen[None]):
    """What MainScreen does about reading; MainScreen is made of it."""

    state: ChatState

    def place_divider(self, conv: Conversation) -> None:
        """Puts the divider above the first message `conv` had unread when opened, for the
        log's next drawing of it (none where all was read)."""
        self.query_one(MessageLog).divider = conv.divider()

    def action_first_unread(self) -> None:
        """Scrolls to the divider above the first unread message."""
        if not self.query_one(MessageLog).scroll_to_divider():
            self.notify("No new messages here: the divider shows where they begin")

    @on(MessageLog.NewestShown)
    def check_seen(self) -> None:
        """Tells the app when the user sees the newest messages of the open conversation:
        this screen shows, the terminal has the focus and the log is at its bottom."""
        log, key = self.query_one(MessageLog), self.state.active
        at_newest = log.scroll_y >= log.max_scroll_y
        if key is not None and self.is_current and self.app.app_focus and at_newest:
            self.post_message(SawNewest(key))
