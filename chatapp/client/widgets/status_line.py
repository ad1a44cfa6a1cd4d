"""StatusLine: connection state, user and server along the bottom of the main screen."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..net import LinkState
from ..state import ChatState
from ..wording import reason

LOOKS = {
    LinkState.ONLINE: ("●", "online", "green"),
    LinkState.CONNECTED: ("○", "connected, not logged in", "yellow"),
    LinkState.CONNECTING: ("◌", "connecting…", "yellow"),
    LinkState.RECONNECTING: ("⟳", "reconnecting", "yellow"),
    LinkState.OFFLINE: ("✖", "disconnected", "red"),
    LinkState.CLOSED: ("✖", "closed", "red"),
}


class StatusLine(Static):
    """One line: state marker, the user, the server and the key for help."""

    DEFAULT_CSS = """
    StatusLine {
        dock: bottom;
        height: 1;
        background: $panel-darken-1;
        color: $text;
        padding: 0 1;
        &.-reconnecting, &.-connecting { background: $warning 25%; }
        &.-offline, &.-closed { background: $error 30%; }
    }
    """

    def show(self, state: ChatState) -> None:
        """Redraws from the state's user, server and link."""
        link = state.link
        marker, label, colour = LOOKS[link.state]
        text = Text.assemble((f"{marker} {label}", f"bold {colour}"))
        if link.state is LinkState.RECONNECTING and link.retry_in is not None:
            text.append(f" in {link.retry_in:.1f}s (attempt {link.attempt})", colour)
        text.append("  │  ", "dim")
        text.append(f"{state.user_name} (#{state.user_id})", "bold")
        text.append(f" @ {state.server}")
        text.append("  │  ", "dim")
        if link.reason and link.state is not LinkState.ONLINE:
            text.append(reason(link.reason), "italic")
        else:
            text.append("F1 help", "dim")
        for look in LinkState:
            self.set_class(look is link.state, f"-{look.value}")
        self.update(text)
