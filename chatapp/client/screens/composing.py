"""ComposingScreen: the part of MainScreen that takes what the composer sends: text for the
open conversation, a command, and others told that the user is typing."""

from __future__ import annotations

from textual import on
from textual.screen import Screen

from ..commands import Command, CommandError, Find, Msg, Say
from ..commands import parse as parse_command
from ..conversation import ConvKey, Kind
from ..history import InputHistory
from ..messages import OpenConversation, RunCommand, SendText, Typed
from ..state import ChatState
from ..widgets.composer import Composer


class ComposingScreen(Screen[None]):
    """MainScreen is made of it (last of its bases): the composer's handlers."""

    state: ChatState
    history: InputHistory

    def search(self, text: str, everywhere: bool = False) -> None:
        raise NotImplementedError  # FindingScreen's, before this one among MainScreen's bases

    def _history_key(self) -> str:
        """Whose and which conversation's lines Up and Down recall."""
        return f"{self.state.user_id}/{self.state.active or 'none'}"

    @on(Composer.Changed)
    def _typed(self, event: Composer.Changed) -> None:
        """Others hear that the user types a message (not a command, nor nothing)."""
        if self.state.active is not None:
            text = event.text_area.text
            stopped = not text.strip() or (text.startswith("/") and not text.startswith("//"))
            self.post_message(Typed(self.state.active, stopped))

    @on(Composer.Submitted)
    def _submitted(self, event: Composer.Submitted) -> None:
        composer = self.query_one(Composer)
        line = event.value
        if not line.strip():
            return
        self.history.add(self._history_key(), line)
        composer.recall(self.history.lines(self._history_key()))
        composer.value = ""
        try:
            self.execute(parse_command(line))
        except CommandError as exc:
            self.notify(str(exc), severity="warning")

    def execute(self, command: Command) -> None:
        """Runs one parsed command line: text and /msg here, the rest by the app."""
        match command:
            case Say(text):
                if self.state.active is None:
                    self.notify("No conversation is open: /msg <id> starts one", severity="warning")
                else:
                    self.post_message(SendText(self.state.active, text))
            case Msg(user, text):
                self._open_user(user, text)
            case Find(text, everywhere):
                self.search(text, everywhere)
            case _:
                self.post_message(RunCommand(command))

    def _open_user(self, user: int | str, text: str) -> None:
        key = self.state.find(user)
        if key is None and isinstance(user, str):  # the app asks the server who that is
            self.post_message(RunCommand(Msg(user, text)))
            return
        key = key or ConvKey(Kind.USER, int(user))  # opened at once; the server names it
        self.post_message(OpenConversation(key))
        if text:
            self.post_message(SendText(key, text))
