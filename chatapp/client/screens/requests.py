"""RequestList: strangers' message requests, each sender with their held messages' start;
A allows the highlighted one, R refuses, Esc closes."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from chatapp.protocol import SenderInfo

from ..strangers import ALLOW, REFUSE, entry

Answer = tuple[str, int]
"""What the list is closed with: ALLOW or REFUSE, and the sender's id."""


class RequestList(ModalScreen[Answer | None]):
    """A page of the senders whose messages wait for the user's answer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("a", f"answer('{ALLOW}')", "Allow"),
        Binding("r", f"answer('{REFUSE}')", "Refuse"),
    ]

    DEFAULT_CSS = """
    RequestList {
        align: center middle;
        #requests {
            width: 80;
            max-width: 100%;
            height: auto;
            max-height: 90%;
            border: round $accent;
            border-subtitle-align: center;
            background: $surface;
            OptionList { height: auto; max-height: 100%; border: none; }
        }
    }
    """

    def __init__(self, senders: tuple[SenderInfo, ...], more: bool) -> None:
        super().__init__()
        self.senders = senders
        self.more = more

    def compose(self) -> ComposeResult:
        with Vertical(id="requests") as panel:
            panel.border_title = "Message requests" + (", more: /message-requests more" * self.more)
            panel.border_subtitle = "A allows · R refuses · Esc closes"
            yield OptionList(*(Option(Text(entry(s))) for s in self.senders))

    def action_answer(self, verb: str) -> None:
        index = self.query_one(OptionList).highlighted
        if index is not None:
            self.dismiss((verb, self.senders[index].id))
