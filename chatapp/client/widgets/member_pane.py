"""MemberPane: the open group's members beside its messages (F4), with role and presence;
Enter on one opens a chat with them; its last row reads more of them."""

from __future__ import annotations

import contextlib

from rich.text import Text
from textual import on
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..conversation import ConvKey, Kind
from ..group_commands import MORE_MEMBERS, WAITING, GroupAct
from ..members import MORE, MemberRow, Roster, roster
from ..messages import RunCommand
from ..state import ChatState
from .sidebar import MARKERS

PANE_MIN = 100
"""Narrower than this, the pane is hidden until asked for (F4): the messages need the room."""

CSS = """
MainScreen {
    #body { layers: below above; }
    /* Narrow, the pane shown covers the messages rather than squeezing them. */
    &.-narrow #members { dock: right; layer: above; width: 34; max-width: 100%; }
}
"""
"""The main screen's rules for the pane, which depend on the screen's width."""


class MemberPane(OptionList):
    """One option per member of the open group, the creator first; hidden when no group is
    open, or until asked for on a narrow screen."""

    DEFAULT_CSS = """
    MemberPane {
        width: 30;
        height: 1fr;
        border: none;
        border-left: vkey $panel-lighten-1;
        background: $panel;
        padding: 0;
        &:focus { border: none; border-left: vkey $accent; }
        & > .option-list--option-disabled { color: $text-muted; }
    }
    """

    wanted: bool = False
    """Whether the user wants the pane where a group is open (F4 toggles it)."""

    _shown: Roster | None = None
    _roomy: bool | None = None  # None until the first size is known
    _asked: tuple[int, int | None] | None = None

    def on_mount(self) -> None:
        """A login: are invitations waiting? The server tells of them live only, so one
        made while the user was away is told now."""
        self.post_message(RunCommand(GroupAct(WAITING)))

    def fit(self, width: int, state: ChatState) -> None:
        """The default for a screen `width` columns wide: shown where there is room."""
        if (width >= PANE_MIN) != self._roomy:
            self._roomy = self.wanted = width >= PANE_MIN
            self.show(state)

    def toggle(self, state: ChatState, show: bool | None = None, *, over: bool = False) -> bool:
        """Shows or hides the pane (F4); shown `over` the messages, it takes the keys. False
        where it had them and gave them up: the composer is to take them."""
        self.wanted = not self.wanted if show is None else show
        self.show(state)
        if self.display and over:
            self.focus()
        return self.display or not self.has_focus

    def show(self, state: ChatState) -> None:
        """Shows the open group's members (hides the pane where no group is open), keeping
        the cursor on the same row."""
        key = state.active
        group = state.groups.get(key.id) if key and key.kind is Kind.GROUP else None
        self.display = self.wanted and group is not None
        if group is None:
            self._shown = None
            return
        pane = roster(group, state.friends, state.user_id)
        if pane == self._shown:
            return
        at, here = self.highlighted, self.highlighted_option
        self._shown = pane
        heading = Option(Text(pane.heading.upper(), "bold"), disabled=True)
        rows = (Option(_prompt(row), id=_id(row), disabled=row.id is None) for row in pane.rows)
        self.set_options([heading, *rows])
        if here is not None and here.id == MORE:  # the first of the page read, not more again
            self.highlighted = min(at or 0, self.option_count - 1)
        elif here is not None and here.id is not None:
            with contextlib.suppress(LookupError):
                self.highlighted = self.get_option_index(here.id)

    @on(OptionList.OptionSelected)
    @on(OptionList.OptionHighlighted)
    def _chosen(self, event: OptionList.OptionSelected | OptionList.OptionHighlighted) -> None:
        """A member chosen goes up to the screen, which opens a chat with them as it does
        a conversation chosen in the sidebar. The `more…` row reached asks for the next
        page, once (again if chosen: the last ask may have failed)."""
        chosen = isinstance(event, OptionList.OptionSelected)
        if chosen and str(event.option.id).startswith(f"{Kind.USER}-"):
            return
        event.stop()
        pane = self._shown
        if pane is None or event.option.id != MORE:
            return
        if not chosen and self._asked == (pane.group_id, pane.after):
            return
        self._asked = (pane.group_id, pane.after)
        self.post_message(RunCommand(GroupAct(MORE_MEMBERS, group=pane.group_id)))


def _id(row: MemberRow) -> str | None:
    """A member's row is named as the sidebar names the chat with them; the user's own
    is not to be chosen."""
    if isinstance(row.id, int):
        return "you" if row.me else str(ConvKey(Kind.USER, row.id))
    return row.id


def _prompt(row: MemberRow) -> Text:
    if not isinstance(row.id, int):
        return Text(row.name, "italic")
    marker, colour = MARKERS[row.online]
    text = Text.assemble((marker, colour), " ", (row.name, "bold" if row.me else ""))
    if row.me:
        text.append(" (you)", "bright_black")
    text.append(f"  {row.role}", "cyan" if row.role in ("creator", "admin") else "bright_black")
    return text
