"""Checks shared by handlers: who is asking, and whether names and texts are acceptable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatapp.protocol import Errno, GroupInfo, MemberInfo

from ..errors import ChatError
from ..storage import Group, MessageLog, User
from ..text import Unacceptable, check_name, clean_message

if TYPE_CHECKING:
    from ..session import Session


def me(session: Session, claimed_id: int | None) -> User:
    """The logged-in user; a request naming another id is refused, never believed."""
    user = session.user
    assert user is not None  # ROUTES lets no such request through before login
    if claimed_id is not None and claimed_id != user.id:
        raise ChatError(Errno.ID_MISMATCH, f"id {claimed_id} is not the logged-in user {user.id}")
    return user


def name(value: str, limit: int, what: str) -> str:
    """A user or group name, in NFC: not blank, not too long, nothing invisible in it
    (text.check_name says what)."""
    try:
        return check_name(value, limit, what)
    except Unacceptable as exc:
        raise ChatError(Errno.INVALID_ARGUMENT, str(exc)) from None


def taken(what: str, name: str) -> str:
    """The refusal of a name that is taken, or that looks like one that is."""
    return f"{what} {name!r} is taken, or too like one that is"


def text(session: Session, value: str) -> str:
    """A chat message without control characters: not empty, not longer than the
    configured limit."""
    limit = session.server.config.max_message_chars
    value = clean_message(value)
    if not value:
        raise ChatError(Errno.INVALID_ARGUMENT, "message must not be empty")
    if len(value) > limit:
        raise ChatError(Errno.INVALID_ARGUMENT, f"message is longer than {limit} characters")
    return value


def password(value: str, limit: int) -> None:
    """A new password: 1 to `limit` characters."""
    if not value or len(value) > limit:
        raise ChatError(Errno.INVALID_ARGUMENT, f"password must be 1 to {limit} characters")


async def within_log(storage: MessageLog, user_id: int, seq: int, what: str) -> None:
    """Refuses a delivery number the user was never given (a client may only name what
    it holds)."""
    top = await storage.last_seq(user_id)
    if seq > top:
        raise ChatError(Errno.INVALID_ARGUMENT, f"{what} {seq} is beyond the last delivery, {top}")


def page_size(requested: int | None, default: int, limit: int) -> int:
    """How many items a page may hold: as asked, within 1 and `limit`."""
    size = default if requested is None else requested
    if not 0 < size <= limit:
        raise ChatError(Errno.INVALID_ARGUMENT, f"limit must be 1 to {limit}")
    return size


def group_info(group: Group, state: dict[int, str]) -> GroupInfo:
    """A group as a client sees it: members with their presence."""
    users = tuple(MemberInfo(m.id, m.name, state[m.id], m.role) for m in group.members)
    return GroupInfo(group.id, group.name, group.desc, users)
