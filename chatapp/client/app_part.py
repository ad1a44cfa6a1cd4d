"""AppPart: what each part of ChatApp (alerts, reading, typing, strangers, paging) may use
of the whole, declared once here and defined by ChatApp."""

from __future__ import annotations

from textual.app import App

from .conversation import ConvKey
from .screens.main import MainScreen
from .session import Session
from .state import ChatState


class AppPart(App[None]):
    """The base of ChatApp's parts. Textual calls each class's handler of a message in
    turn, so a part's handlers run beside ChatApp's own."""

    state: ChatState
    session: Session

    def _view(self) -> MainScreen | None:
        raise NotImplementedError  # ChatApp's: the main screen, if it can be drawn on now

    def _open(self, key: ConvKey) -> None:
        raise NotImplementedError  # ChatApp's: makes `key` the open conversation
