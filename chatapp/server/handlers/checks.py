"""Checks shared by handlers: who is asking, and whether names and texts are acceptable."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from chatapp.protocol import (
    Ack,
    Errno,
    GroupInfo,
    MemberInfo,
    MsgId,
    PageItem,
    cut_page,
    page_frame,
    page_frame_bound,
)

from ..chats import chat_event
from ..errors import ChatError
from ..storage import Group, Member, MessageLog, StoredMessage, User
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


async def member_of(session: Session, user: User, group_id: int) -> None:
    """Refuses a request about a group that does not exist, or that `user` is not in."""
    members = await session.server.groups.members(group_id)
    if members is None:
        raise ChatError(Errno.NO_SUCH_GROUP, f"no group with id {group_id}")
    if user.id not in members:
        raise ChatError(Errno.NOT_A_MEMBER, f"you are not a member of group {group_id}")


def page(session: Session, reply: Ack, found: Sequence[PageItem], limit: int) -> Ack:
    """`reply` with a page of `found` (read one beyond `limit`, to know whether there is
    more): at most `limit` items, and no more than a frame holds."""
    key = _PAGE_KEYS[reply.re]
    budget = session.server.config.max_frame
    return cut_page(reply, key, found, limit=limit, budget=budget, dialect=session.dialect)


_PAGE_KEYS = {
    MsgId.SYNC: "messages",
    MsgId.HISTORY: "messages",
    MsgId.FRIENDS: "friends",
    MsgId.GROUPS: "groups",
    MsgId.MEMBERS: "members",
    MsgId.INVITES: "invites",
    MsgId.BLOCKS: "blocked",
    MsgId.MESSAGE_REQUESTS: "senders",
}


def group_info(
    group: Group, members: Iterable[Member] = (), state: Mapping[int, str] | None = None
) -> GroupInfo:
    """A group as a client sees it: its count of members, and `members` with their
    presence (for the legacy login ack, which lists them)."""
    users = member_infos(members, state or {})
    return GroupInfo(
        group.id, group.name, group.desc, users, group.count, group.public, group.history
    )


def member_infos(members: Iterable[Member], state: Mapping[int, str]) -> tuple[MemberInfo, ...]:
    """Members as a client sees them, with their presence."""
    return tuple(MemberInfo(m.id, m.name, state[m.id], m.role) for m in members)


def deliverable(session: Session, message: StoredMessage) -> None:
    """A chat its recipients can be sent: numbered, alone in a SYNC or HISTORY page, it
    fits in a frame. One that does not could never be delivered, so it is refused."""
    limit = session.server.config.max_frame
    if page_frame_bound(message.text, message.sender_name) <= limit:
        return  # the common case, without encoding it
    if page_frame(chat_event(message)) > limit:
        raise ChatError(
            Errno.INVALID_ARGUMENT,
            f"message is too long to deliver: its frame would be over {limit} bytes",
        )
