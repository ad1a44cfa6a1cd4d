"""What the server's refusals mean, in plain words: one short sentence per error number."""

from __future__ import annotations

import re

from chatapp.protocol import Errno, MsgId

from .net import Disconnected, RequestFailed, RequestTimeout

PLAIN: dict[Errno, str] = {
    Errno.BAD_CREDENTIALS: "Wrong name, id or password.",
    Errno.ALREADY_ONLINE: "This account is logged in elsewhere already.",
    Errno.NAME_TAKEN: "That name is taken, or looks too much like one that is: pick another.",
    Errno.NOT_LOGGED_IN: "You are not logged in (any more): please log in.",
    Errno.ALREADY_LOGGED_IN: "You are logged in already: log out first.",
    Errno.NO_SUCH_USER: "There is nobody with that name or id.",
    Errno.NO_SUCH_GROUP: "There is no group with that id.",
    Errno.NOT_A_MEMBER: "You are not a member of that group.",
    Errno.ALREADY_FRIENDS: "You are friends already.",
    Errno.ALREADY_MEMBER: "You are a member of that group already.",
    Errno.SELF_FRIEND: "You cannot add yourself as a friend.",
    Errno.ID_MISMATCH: "The server took that for another user's request.",
    Errno.RATE_LIMITED: "Too much at once: slow down a little.",
    Errno.LOGIN_LOCKED: "Too many failed logins: wait a few minutes, then try again.",
    Errno.BUSY: "The server is busy: try again in a moment.",
    Errno.REGISTER_LOCKED: "Too many new accounts from here: try again later.",
    Errno.NO_SUCH_REQUEST: "There is no such request waiting.",
    Errno.NOT_ACCEPTED: "They do not take messages from you now: ask them to be friends.",
    Errno.INVITE_ONLY: "That group is invite-only: ask a member to invite you.",
    Errno.FORBIDDEN: "Your role in that group does not allow this.",
    Errno.GROUP_FULL: "That group is full.",
    Errno.NOT_FRIENDS: "You are not friends.",
    Errno.REQUEST_WAITING: "They have not answered your message request yet: wait for them.",
    Errno.TOO_MANY_PENDING: "Too many of your friend requests wait for answers: cancel one, "
    "or wait.",
    Errno.ACCOUNT_DISABLED: "This account is disabled: ask the server's operator.",
    Errno.TOO_MANY_INVITES: "That group has too many invitations waiting.",
    Errno.INTERNAL: "Something went wrong on the server: try again.",
    Errno.UNAVAILABLE: "The server cannot reach its storage just now: try again soon.",
}
"""The sentence for each errno a user can meet; the rest (an invalid argument, a frame the
server could not read) are best told in the server's own words."""

IN_GROUPS: dict[tuple[MsgId, Errno], str] = {
    (MsgId.GROUP_INVITE, Errno.ALREADY_MEMBER): "They are a member of that group already.",
    (MsgId.GROUP_INVITE, Errno.FORBIDDEN): "Only admins may invite into an invite-only group.",
    (MsgId.INVITE_ANSWER, Errno.NO_SUCH_REQUEST): "You hold no invitation into that group.",
    (MsgId.REMOVE_MEMBER, Errno.NOT_A_MEMBER): "They, or you, are not a member of that group.",
    (MsgId.REMOVE_MEMBER, Errno.FORBIDDEN): "Not allowed for your role: admins remove plain "
    "members, the creator anyone.",
    (MsgId.SET_ROLE, Errno.NOT_A_MEMBER): "They, or you, are not a member of that group.",
    (MsgId.SET_ROLE, Errno.FORBIDDEN): "Not allowed for your role: admins promote; only "
    "the creator demotes an admin.",
    (MsgId.EDIT_GROUP, Errno.FORBIDDEN): "Only admins and the creator may change the group.",
    (MsgId.EDIT_GROUP, Errno.NAME_TAKEN): "That group name is taken, or looks too much like "
    "one that is.",
}
"""Where a group request's refusal means more than its errno alone says."""

IN_ACCOUNT: dict[tuple[MsgId, Errno], str] = {
    (MsgId.SETTINGS, Errno.INVALID_ARGUMENT): "The server does not take that value for the "
    "setting: /settings lists what it takes.",
    (MsgId.MESSAGE_ANSWER, Errno.NO_SUCH_REQUEST): "No message request of theirs waits for "
    "your answer: /message-requests lists those that do.",
}
"""Where a refusal of /settings, /allow or /refuse means more than its errno alone says."""

_RETRY = re.compile(r"retry in ([0-9.]+) s")
_UNREACHABLE = re.compile(r"cannot reach (\S+?):? ")


def refusal(errno: Errno, errmsg: str) -> str:
    """What a refusal with `errno` means to the user; the server's `errmsg` if it has no
    sentence here (with a first capital), and how long to wait where the server said it."""
    sentence = PLAIN.get(errno)
    if sentence is None:
        text = errmsg.strip() or errno.name.lower().replace("_", " ")
        return text[:1].upper() + text[1:]
    if (wait := _RETRY.search(errmsg)) and errno in (Errno.LOGIN_LOCKED, Errno.REGISTER_LOCKED):
        seconds = max(1, round(float(wait.group(1))))
        sentence = sentence.split(":")[0] + f": try again in {_duration(seconds)}."
    return sentence


def plain(exc: BaseException) -> str:
    """What to show for a failed request: a refusal in plain words, a lost or unreachable
    server in plain words too, else the error's text."""
    if isinstance(exc, RequestFailed):
        return refusal(exc.errno, exc.errmsg)
    text = str(exc)
    said = reason(text)
    return text if said == text else said[:1].upper() + said[1:] + "."


def refused(msgid: MsgId, exc: RequestFailed) -> str:
    """What the refusal `exc` of a request `msgid` means, in plain words."""
    key = (msgid, exc.errno)
    return IN_GROUPS.get(key) or IN_ACCOUNT.get(key) or refusal(exc.errno, exc.errmsg)


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds" if seconds != 1 else "1 second"
    return f"{round(seconds / 60)} minutes"


REASONS = (
    ("logged in again from elsewhere", "this device logged in again somewhere else"),
    ("ended from another of your devices", "this device was logged out from another of yours"),
    ("operator ended", "the server's operator ended this session"),
    ("log in within", "the server waited too long for a login"),
    ("login refused", "the server no longer takes this device's saved login"),
    ("cannot reach", "the server cannot be reached"),
    ("no answer", "the server stopped answering"),
    ("closed the connection", "the server closed the connection"),
    ("oversized frame", "the server sent more than this client can read"),
    ("connection lost", "the connection was lost"),
    ("restarting", "the server is restarting"),
    ("logged out", "you logged out"),
)
"""Words in the network layer's and the server's reasons for a link's end, and what they
mean to the user: the status line and the login form say these, not the raw text."""


def reason(text: str) -> str:
    """Why the link went down or the session ended, in plain words (the text itself when
    it is none of the known ones)."""
    if where := _UNREACHABLE.match(text):
        return f"the server at {where.group(1)} cannot be reached"
    lowered = text.lower()
    return next((plain for words, plain in REASONS if words in lowered), text)


def log_in_again(why: str) -> str:
    """What the login form says when the session ended by itself."""
    return f"Please log in again: {reason(why)}." if why else "Please log in again."


FIELDS = {
    Errno.BAD_CREDENTIALS: "password",
    Errno.LOGIN_LOCKED: "password",
    Errno.NO_SUCH_USER: "user",
    Errno.NAME_TAKEN: "user",
    Errno.ACCOUNT_DISABLED: "user",
    Errno.INVALID_ARGUMENT: "user",
}
"""The login form's field to fix after a refusal with each errno."""


def field_to_fix(exc: BaseException) -> str:
    """The id of the login form's field a failed login or registration points at: the
    password after wrong credentials, the server when it cannot be reached."""
    if isinstance(exc, RequestFailed):
        return FIELDS.get(exc.errno, "password")
    if isinstance(exc, Disconnected | RequestTimeout):
        return "server"
    return "user"  # the client's own refusal: an id beyond what the wire carries
