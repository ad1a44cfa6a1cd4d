"""The commands a composer line can be: one frozen dataclass each, and their union."""

from __future__ import annotations

from dataclasses import dataclass


class CommandError(ValueError):
    """A line that starts with / but is not a valid command; the text says how to fix it."""


@dataclass(frozen=True, slots=True)
class Say:
    """Plain text for the open conversation."""

    text: str


@dataclass(frozen=True, slots=True)
class Msg:
    """Open a chat with a user (by id, or by name), optionally sending text."""

    user: int | str
    text: str = ""


@dataclass(frozen=True, slots=True)
class Add:
    """Add a friend by id, or by exact name."""

    user: int | str


@dataclass(frozen=True, slots=True)
class Create:
    """Create a group."""

    name: str
    desc: str = ""


@dataclass(frozen=True, slots=True)
class Join:
    """Join a group by id."""

    group_id: int


@dataclass(frozen=True, slots=True)
class Close:
    """Close the open conversation."""


@dataclass(frozen=True, slots=True)
class Theme:
    """Switch the colour theme, or list themes when no name is given."""

    name: str = ""


@dataclass(frozen=True, slots=True)
class Logout:
    """End the session and return to the login screen; `everywhere`: every device's too."""

    everywhere: bool = False


@dataclass(frozen=True, slots=True)
class Quit:
    """Leave the client."""


@dataclass(frozen=True, slots=True)
class Help:
    """Show keys and commands."""


@dataclass(frozen=True, slots=True)
class Social:
    """A friend request, block, group, people or device command (social.py runs it): its
    `verb` (the command's name) and its target, if any: an id, a name or a prefix."""

    verb: str
    target: int | str | None = None


@dataclass(frozen=True, slots=True)
class Find:
    """Search the open conversation for `text` (`everywhere`: every loaded one); no text
    ends the search."""

    text: str = ""
    everywhere: bool = False


ALERT_MODES = {"both": "bell+title", "bell": "bell", "title": "title", "off": "off"}
"""What /alerts takes, and the setting each stands for."""


@dataclass(frozen=True, slots=True)
class Alerts:
    """Show how a direct message or a mention elsewhere alerts, or set it (a mode of
    ALERT_MODES' values)."""

    mode: str = ""


@dataclass(frozen=True, slots=True)
class Strangers:
    """A message request command (strangers.py runs it): `verb` "list" (`target` "more":
    the next page), "allow" or "refuse" the stranger `target` (an id or a name)."""

    verb: str
    target: int | str | None = None


@dataclass(frozen=True, slots=True)
class Privacy:
    """/settings: show the account's privacy settings, or change `setting` to `value`
    (privacy.py says which there are)."""

    setting: str = ""
    value: str = ""


Command = (
    Say
    | Msg
    | Add
    | Create
    | Join
    | Close
    | Theme
    | Logout
    | Quit
    | Help
    | Social
    | Find
    | Alerts
    | Strangers
    | Privacy
)
