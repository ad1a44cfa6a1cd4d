"""The group commands parsed (/invite, /invites, /accept-invite, /decline-invite, /kick,
/role, /group): each a GroupAct that social_groups.py runs."""

from __future__ import annotations

from dataclasses import dataclass

from .commands import CommandError, Social, checked_id, is_number

ROLES = ("admin", "member")
"""The roles /role gives, as SET_ROLE names them."""

SETTINGS = {
    "name": "<new name>",
    "desc": "<text>",
    "private": "on|off",
    "history": "all|joined",
}
"""What /group changes, and the value each takes: `private on` makes the group invite-only;
`history joined` lets a newcomer read only from their joining on."""

MORE_MEMBERS = "more-members"
"""The verb of the member pane's ask for the next page of members (no command has it)."""
WAITING = "waiting-invites"
"""The verb of the ask, at login, whether invitations wait (no command has it either)."""

SWITCHES = {"private": ("on", "off"), "history": ("all", "joined")}

USAGE = {
    "invite": "/invite <id|name> [groupid]",
    "invites": "/invites",
    "accept-invite": "/accept-invite <groupid>",
    "decline-invite": "/decline-invite <groupid>",
    "kick": "/kick <id|name> [groupid]",
    "role": "/role <id|name> admin|member [groupid]",
    "group": "/group [groupid] [name <new>|desc <text>|private on|off|history all|joined]",
}


@dataclass(frozen=True, slots=True)
class GroupAct(Social):
    """A group command: `verb` on user `target` (an id or a name; None for none), in group
    `group` (None: the open one), with `setting` changed to `value` (/group), or `value`
    the role given (/role)."""

    group: int | None = None
    setting: str = ""
    value: str = ""


def parse_group(verb: str, rest: str) -> GroupAct:
    """Parses the arguments `rest` of group command `verb` (one of USAGE)."""
    words = rest.split()
    if verb == "invites":
        if words:
            raise _usage(verb)
        return GroupAct(verb)
    if verb in ("accept-invite", "decline-invite"):
        if len(words) != 1:
            raise _usage(verb)
        return GroupAct(verb, group=_id(words[0], verb))
    if verb == "group":
        return _group(words)
    group = None
    if len(words) > 1 + (verb == "role") and is_number(words[-1]):
        group = checked_id(words.pop())
    role = ""
    if verb == "role":
        if len(words) < 2 or words[-1].lower() not in ROLES:
            raise _usage(verb)
        role = words.pop().lower()
    if not words:
        raise _usage(verb)
    user = " ".join(words)  # a name may hold spaces
    target: int | str = checked_id(user) if is_number(user) else user
    return GroupAct(verb, target, group=group, value=role)


def _group(words: list[str]) -> GroupAct:
    """`/group [groupid] [setting value]`: show the group, or change one of its settings."""
    group = checked_id(words.pop(0)) if words and is_number(words[0]) else None
    if not words:
        return GroupAct("group", group=group)
    setting, value = words[0].lower(), " ".join(words[1:])
    if setting not in SETTINGS:
        raise CommandError(f"/group changes {', '.join(SETTINGS)}; usage: {USAGE['group']}")
    if setting in SWITCHES and value.lower() not in SWITCHES[setting]:
        raise CommandError(f"usage: /group {setting} {SETTINGS[setting]}")
    if setting in SWITCHES:
        value = value.lower()
    elif setting == "name" and not value:
        raise CommandError("usage: /group name <new name>")
    return GroupAct("group", group=group, setting=setting, value=value)


def _id(text: str, verb: str) -> int:
    if not is_number(text):
        raise CommandError(f"'{text}' is not a group id; usage: {USAGE[verb]}")
    return checked_id(text)


def _usage(verb: str) -> CommandError:
    return CommandError(f"usage: {USAGE[verb]}")
