"""Alerts: the bell and a count in the terminal's title for direct messages and mentions that
arrive where the reader is not looking, at most one bell per BELL_QUIET seconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual import events, on

from .app_part import AppPart
from .commands import Alerts, Logout
from .conversation import Conversation, ConvKey, Kind, Line
from .mentions import mentions
from .messages import OpenConversation, RunCommand, SessionEnded, SessionStarted
from .settings import Settings, save

MODES = ("bell+title", "title", "bell", "off")
BELL_QUIET = 10.0
"""Seconds after a bell in which no other rings: a flood of 300 messages rings once."""
TITLE = "chatapp"


class AlertCount:
    """The alerting messages not read yet, per conversation, and when the bell last rang."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.mode = MODES[0]
        self.unread: dict[ConvKey, int] = {}
        self._clock = clock
        self._rang: float | None = None

    def arrived(self, key: ConvKey) -> bool:
        """Counts an alerting message in `key` that the reader does not see; whether the
        bell should ring for it."""
        if self.mode == "off":
            return False
        self.unread[key] = self.unread.get(key, 0) + 1
        now = self._clock()
        if "bell" not in self.mode or (self._rang is not None and now - self._rang < BELL_QUIET):
            return False
        self._rang = now
        return True

    def read(self, key: ConvKey) -> None:
        """The reader sees `key`: its alerts are over."""
        self.unread.pop(key, None)

    def title(self) -> str:
        """The terminal's title: "(3) chatapp" while 3 alerting messages wait, if titles are on."""
        count = sum(self.unread.values())
        return f"({count}) {TITLE}" if count and "title" in self.mode else TITLE


def alerting(conv: Conversation, line: Line, me: str) -> bool:
    """Whether `line` calls for an alert: a direct message, or a group line naming `me`."""
    if line.own:
        return False
    return conv.key.kind is Kind.USER or mentions(line.text, me)


class Alerting(AppPart):
    """The app's half of alerts: rings, titles the terminal (OSC 2, as App.bell writes BEL),
    and runs /alerts. Its handlers run after ChatApp's own (Textual calls each class's)."""

    settings: Settings
    settings_file: Path | None
    terminal_title = TITLE
    """The title last given to the terminal (kept headless too, where nothing is written)."""

    def __init__(self) -> None:
        super().__init__()
        self.alert_count = AlertCount()

    @property
    def alerts(self) -> AlertCount:
        """The count, in the mode the settings name (a damaged one: the default)."""
        count = self.alert_count
        count.mode = self.settings.alerts if self.settings.alerts in MODES else MODES[0]
        return count

    def alert(self, arrival: tuple[Conversation, Line] | None) -> None:
        """A message arrived: rings and counts it if it alerts and the reader is elsewhere."""
        if arrival is None or not alerting(*arrival, self.state.user_name):
            return
        conv, _ = arrival
        if conv.key != self.state.active or not self.app_focus:
            if self.alerts.arrived(conv.key):
                self.bell()
            self._show_title()

    @on(OpenConversation)
    def _opened(self) -> None:
        self._seen(self.app_focus)

    # Events, not a watcher of app_focus: another base of ChatApp may watch it, and only one
    # watcher would run. These run before App's own handler sets app_focus, hence `focused`.
    @on(events.AppFocus)
    def _focused(self) -> None:
        self._seen(True)

    @on(events.AppBlur)
    def _blurred(self) -> None:
        self._seen(False)

    def _seen(self, focused: bool) -> None:
        if self.state.active is not None and focused:
            self.alerts.read(self.state.active)
        self._show_title()

    @on(SessionStarted)
    def _caught_up(self) -> None:
        """After a login, what came while away counts in the title (not rung: the reader
        has just come back), as many as are unread where the reader is not."""
        if self.alerts.mode == "off":
            return
        me, unread = self.state.user_name, self.alert_count.unread
        seen = self.state.active if self.app_focus else None
        for conv in self.state.conversations.values():
            new = conv.lines[len(conv.lines) - conv.unread :] if conv.unread else []
            count = sum(alerting(conv, line, me) for line in new)
            if count and conv.key != seen:
                unread[conv.key] = count
        self._show_title()

    @on(SessionEnded)
    def _session_ended(self) -> None:
        self.alert_count.unread.clear()  # the next login may be somebody else's
        self._show_title()

    @on(RunCommand)
    def _alerts_command(self, message: RunCommand) -> None:
        if isinstance(message.command, Logout):
            self._session_ended()
        if not isinstance(command := message.command, Alerts):
            return
        if command.mode:
            self.settings.alerts = command.mode
            if self.settings_file is not None:
                save(self.settings, self.settings_file)
            self._show_title()
        what = {"bell+title": "bell and title", "off": "off"}.get(self.alerts.mode)
        self.notify(
            f"Alerts for direct messages and mentions: {what or self.alerts.mode + ' only'}",
            title="/alerts [bell|title|both|off]",
        )

    def _show_title(self) -> None:
        title = self.alerts.title()
        if title == self.terminal_title:
            return
        if self.terminal_title == TITLE:
            self._write("\x1b[22;0t")  # the terminal's own title onto its stack (xterm)
        self.terminal_title = title
        self._write(f"\x1b]2;{title}\x07")
        if title == TITLE:
            self._write("\x1b[23;0t")  # and back from it, where terminals keep one

    def _write(self, sequence: str) -> None:
        if not self.is_headless and self._driver is not None:
            self._driver.write(sequence)

    @on(events.Unmount)
    def _restore_title(self) -> None:
        if self.terminal_title != TITLE:
            self._write("\x1b[23;0t")
