"""Slash commands: one composer line in, one typed command out; the table also feeds /help."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import privacy, strangers
from .command_types import (
    ALERT_MODES,
    Add,
    Alerts,
    Close,
    Command,
    CommandError,
    Create,
    Find,
    Help,
    Join,
    Logout,
    Msg,
    Privacy,
    Quit,
    Say,
    Social,
    Strangers,
    Theme,
)

__all__ = [
    "ALERT_MODES",
    "COMMANDS",
    "MAX_ID",
    "Add",
    "Alerts",
    "Close",
    "Command",
    "CommandError",
    "Create",
    "Find",
    "Help",
    "Join",
    "Logout",
    "Msg",
    "Privacy",
    "Quit",
    "Say",
    "Social",
    "Spec",
    "Strangers",
    "Theme",
    "checked_id",
    "is_number",
    "parse",
]


@dataclass(frozen=True, slots=True)
class Spec:
    """One command: its arguments and summary as /help shows them, and its parser."""

    name: str
    args: str
    summary: str
    parse: Callable[[str], Command]

    @property
    def usage(self) -> str:
        return f"/{self.name} {self.args}".rstrip()


MAX_ID = 2**63 - 1
"""The largest id the protocol carries: the server's ids are signed 64-bit integers."""


def is_number(text: str) -> bool:
    """Whether `text` is written as an id: ASCII digits only (`isdigit()` alone also takes
    superscripts and other scripts' digits, which are names here)."""
    return text.isascii() and text.isdigit()


def checked_id(text: str) -> int:
    """The id `text` (ASCII digits) names, refused unless within the protocol's range."""
    number = int(text)
    if number < 1:
        raise CommandError(f"no id {text}: ids start at 1")
    if number > MAX_ID:
        raise CommandError(f"no id is that large: ids go up to {MAX_ID}")
    return number


def _number(text: str, spec: str) -> int:
    if not is_number(text):
        raise CommandError(f"'{text}' is not a number; usage: {spec}")
    return checked_id(text)


def _msg(rest: str) -> Command:
    target, _, text = rest.partition(" ")
    if not target:
        raise CommandError("usage: /msg <id|name> [text]")
    return Msg(checked_id(target) if is_number(target) else target, text.strip())


def _add(rest: str) -> Command:
    if len(rest.split()) != 1:
        raise CommandError("usage: /add <id|name>")
    return Add(checked_id(rest) if is_number(rest) else rest)


def _one_number(usage: str, build: Callable[[int], Command]) -> Callable[[str], Command]:
    def parse(rest: str) -> Command:
        parts = rest.split()
        if len(parts) != 1:
            raise CommandError(f"usage: {usage}")
        return build(_number(parts[0], usage))

    return parse


def _create(rest: str) -> Command:
    name, _, desc = rest.partition(" ")
    if not name:
        raise CommandError("usage: /create <name> [description]")
    return Create(name, desc.strip())


def _logout(rest: str) -> Command:
    if rest not in ("", "--all"):
        raise CommandError("usage: /logout [--all]")
    return Logout(everywhere=rest == "--all")


def _find(rest: str) -> Command:
    if rest == "--all" or rest.startswith("--all "):
        if not (text := rest[len("--all") :].strip()):
            raise CommandError("usage: /search --all <text>")
        return Find(text, everywhere=True)
    return Find(rest)


def _alerts(rest: str) -> Command:
    if rest and rest.lower() not in ALERT_MODES:
        raise CommandError("usage: /alerts [bell|title|both|off]")
    return Alerts(ALERT_MODES[rest.lower()] if rest else "")


def _bare(command: Command, usage: str) -> Callable[[str], Command]:
    def parse(rest: str) -> Command:
        if rest:
            raise CommandError(f"usage: {usage}")
        return command

    return parse


def _social(verb: str, usage: str, arg: str = "") -> Callable[[str], Command]:
    """A Social command's parser; `arg` is "user" (an id or a name), "id", "text", "id?"
    (an id or nothing) or "" (nothing)."""

    def parse(rest: str) -> Command:
        if not rest:
            if arg in ("", "id?"):
                return Social(verb)
            raise CommandError(f"usage: {usage}")
        if arg == "text":
            return Social(verb, rest)
        if arg == "" or len(rest.split()) != 1:
            raise CommandError(f"usage: {usage}")
        if arg == "user" and not is_number(rest):
            return Social(verb, rest)
        return Social(verb, _number(rest, usage))

    return parse


SOCIAL = (
    ("requests", "", "list friend requests: who asked you, whom you asked", ""),
    ("accept", "<id|name>", "accept a friend request", "user"),
    ("decline", "<id|name>", "decline a friend request", "user"),
    ("unfriend", "<id|name>", "end a friendship", "user"),
    ("block", "<id|name>", "block a user: their messages no longer reach you", "user"),
    ("unblock", "<id|name>", "unblock a user", "user"),
    ("blocked", "", "list the users you block", ""),
    ("leave", "[groupid]", "leave a group (no id: the open one)", "id?"),
    ("who", "<name prefix>", "find users whose name starts so, with their ids", "text"),
    ("devices", "", "list your devices: where, when last seen, online", ""),
    ("logout-device", "<id>", "end one of your devices' sessions (ids: /devices)", "id"),
)

SEARCH_SUMMARY = (
    "find text in the open conversation's loaded messages, older pages too if none"
    " (--all: in every loaded conversation; no text: stop)"
)
ALERTS_SUMMARY = "bell and/or (n) in the window title for DMs and mentions elsewhere"

GROUPS = (
    ("invite", "<id|name> [groupid]", "invite a user into a group (no id: the open one)"),
    ("invites", "", "list your invitations into groups, and how to answer them"),
    ("accept-invite", "<groupid>", "accept an invitation: join the group"),
    ("decline-invite", "<groupid>", "decline an invitation into a group"),
    ("kick", "<id|name> [groupid]", "remove a member from a group (no id: the open one)"),
    ("role", "<who> <role> [groupid]", "make a member admin, or a plain member: role admin|member"),
    (
        "group",
        "[setting value]",
        "the open group's settings (/group <id>: another's); change "
        "one: name <new>, desc <text>, private on|off, history all|joined. F4: its members",
    ),
)


def _group(verb: str) -> Callable[[str], Command]:
    """A group command's parser, group_commands.parse_group (imported when first used: it
    builds on this module)."""

    def parse(rest: str) -> Command:
        from .group_commands import parse_group

        return parse_group(verb, rest)

    return parse


COMMANDS: dict[str, Spec] = {
    spec.name: spec
    for spec in (
        Spec("msg", "<id|name> [text]", "open a chat with a user, and send text", _msg),
        Spec("add", "<id|name>", "ask a user to be your friend (by id or exact name)", _add),
        Spec("create", "<name> [description]", "create a group", _create),
        Spec("join", "<groupid>", "join a group", _one_number("/join <groupid>", Join)),
        Spec("close", "", "close the open conversation", _bare(Close(), "/close")),
        Spec("theme", "[name]", "switch colour theme (no name: list them)", Theme),
        Spec("logout", "[--all]", "log out (--all: every device of yours)", _logout),
        Spec("quit", "", "leave the client", _bare(Quit(), "/quit")),
        Spec("help", "", "show keys and commands", _bare(Help(), "/help")),
        Spec("search", "[--all] [text]", SEARCH_SUMMARY, _find),
        Spec("alerts", "[bell|title|both|off]", ALERTS_SUMMARY, _alerts),
        *(
            Spec(name, args, summary, _social(name, f"/{name} {args}".rstrip(), arg))
            for name, args, summary, arg in SOCIAL
        ),
        *(Spec(name, args, summary, _group(name)) for name, args, summary in GROUPS),
        *(Spec(v, args, strangers.SUMMARY[v], strangers.parser(v)) for v, args in strangers.ARGS),
        Spec("settings", "[name value]", privacy.SUMMARY, privacy.parse),
    )
}


def parse(line: str) -> Command:
    """Parses a composer line; `//text` sends text that starts with a slash."""
    if not line.startswith("/"):
        return Say(line)
    if line.startswith("//"):
        return Say(line[1:])
    name, _, rest = line[1:].strip().partition(" ")
    spec = COMMANDS.get(name.lower())
    if spec is None:
        raise CommandError(f"unknown command /{name}; /help lists the commands")
    return spec.parse(rest.strip())
