"""Chat: one-to-one and group messages through the log, acknowledgements, sync, history."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from chatapp.protocol import (
    Ack,
    Delivered,
    Dialect,
    Errno,
    Event,
    GroupChat,
    History,
    MsgId,
    OneChat,
    Sync,
)

from ..chats import chat_event, chat_events, new_chat
from ..errors import ChatError
from ..storage import Conversation, Kind, NewMessage, Ties, User
from . import checks, consent

if TYPE_CHECKING:
    from ..session import Session


def one_chat(session: Session, req: OneChat) -> Event | Awaitable[Event | None]:
    me = checks.me(session, req.id)
    text = checks.text(session, req.msg)
    server = session.server
    if not server.users.known(req.toid):
        return _once_found(session, req)
    ties = server.ties.cached(req.toid)
    if ties is None:
        return _once_tied(session, req, me, text)
    return _to_user(session, req, me, text, ties)


def _to_user(
    session: Session, req: OneChat, me: User, text: str, ties: Ties
) -> Event | Awaitable[Event | None]:
    """A chat to a user known to exist, given the recipient's ties."""
    server = session.server
    message = new_chat(Kind.DIRECT, me, req.toid, text, server.stamps.next())
    checks.deliverable(session, message)
    if (screened := consent.screen(session, ties, message, req)) is not None:
        return screened  # dropped (blocked), refused or held: not for the log
    recipients = _with_carbon(session, (req.toid,), message.mid)
    new = NewMessage(message, recipients, req.cid)
    return server.fanout.post(new, MsgId.ONE_CHAT, req.rid, answered=_acked(session))


async def _once_found(session: Session, req: OneChat) -> Event | None:
    if not await session.server.users.exists(req.toid):
        raise ChatError(Errno.NO_SUCH_USER, f"no user with id {req.toid}")
    return await _settled(one_chat(session, req))


async def _once_tied(session: Session, req: OneChat, me: User, text: str) -> Event | None:
    """The recipient's ties were not in memory: read once (and kept), then the chat goes on."""
    ties = await session.server.ties.load(req.toid)
    return await _settled(_to_user(session, req, me, text, ties))


def group_chat(session: Session, req: GroupChat) -> Event | Awaitable[Event | None]:
    me = checks.me(session, req.id)
    text = checks.text(session, req.msg)
    server = session.server
    members = server.groups.cached(req.groupid)
    if members is None:
        return _once_loaded(session, req)
    if me.id not in members:
        raise ChatError(Errno.NOT_A_MEMBER, f"you are not a member of group {req.groupid}")
    message = new_chat(Kind.GROUP, me, req.groupid, text, server.stamps.next())
    checks.deliverable(session, message)
    others = tuple(sorted(m for m in members if m != me.id))
    recipients = _with_carbon(session, others, message.mid)
    new = NewMessage(message, recipients, req.cid)
    return server.fanout.post(new, MsgId.GROUP_CHAT, req.rid, answered=_acked(session))


def _acked(session: Session) -> bool:
    """Whether the sender hears an ACK: a legacy client does not (the dialect, known
    since the login, stays while its requests are answered in order), so none is made."""
    return session.conn.dialect is not Dialect.LEGACY


def _with_carbon(session: Session, recipients: tuple[int, ...], mid: int) -> tuple[int, ...]:
    """The recipients of a chat, and the sender too where the account has other devices:
    the log gives them their copy (SENT), which this device does not need back."""
    if len(session.devices) < 2 or session.user is None or session.mailbox is None:
        return recipients
    me = session.user.id
    if me in recipients:  # a note to oneself reaches every device as it is
        return recipients
    session.mailbox.posting(mid)
    return (*recipients, me)


async def _once_loaded(session: Session, req: GroupChat) -> Event | None:
    if await session.server.groups.members(req.groupid) is None:
        raise ChatError(Errno.NO_SUCH_GROUP, f"no group with id {req.groupid}")
    return await _settled(group_chat(session, req))


async def _settled(reply: Event | Awaitable[Event | None]) -> Event | None:
    return await reply if inspect.isawaitable(reply) else reply


def delivered(session: Session, req: Delivered) -> Awaitable[None] | None:
    """The client holds everything up to `seq`: the cursor moves with the next batch. A
    number beyond what this session sent is checked against the log first."""
    me = checks.me(session, None)
    assert session.mailbox is not None  # made by the login
    device = session.mailbox.device_id
    if req.seq > session.mailbox.sent.top:
        return _delivered_beyond(session, me.id, device, req.seq)
    session.server.journal.ack(me.id, device, req.seq)
    return None


async def _delivered_beyond(session: Session, user_id: int, device: int, seq: int) -> None:
    await checks.within_log(session.server.storage, user_id, seq, "seq")
    session.server.journal.ack(user_id, device, seq)


async def sync(session: Session, req: Sync) -> Event:
    me = checks.me(session, None)
    assert session.mailbox is not None  # made by the login
    page = session.server.config.sync_page
    limit = checks.page_size(req.limit, page, page)
    pending = await session.server.storage.pending(me.id, req.last, limit + 1)
    reply = checks.page(
        session, Ack(MsgId.SYNC, rid=req.rid), chat_events(pending.deliveries), limit
    )
    for message in reply.messages or ():
        session.mailbox.sent.add(message.seq)  # so that a live copy on its way is not sent again
    return reply


async def history(session: Session, req: History) -> Event:
    me = checks.me(session, None)
    server = session.server
    most = server.config.sync_page
    limit = checks.page_size(req.limit, min(server.config.history_page, most), most)
    floor = 0  # the first mid the user may read
    if req.groupid is not None:
        await checks.member_of(session, me, req.groupid)
        conversation = Conversation.group(req.groupid)
        if (place := await server.storage.membership(req.groupid, me.id)) is not None:
            floor = place.floor  # a newcomer to a `joined` group reads from their joining on
    else:
        assert req.peer is not None  # the codec requires one of the two
        conversation = Conversation.direct(me.id, req.peer)
    found = await server.storage.history(conversation, req.before, limit + 1)
    # Newest first: what is cut is the oldest, so the page is the last one (no `more`).
    found = [message for message in found if message.mid >= floor]
    messages = [chat_event(message) for message in found]
    return checks.page(session, Ack(MsgId.HISTORY, rid=req.rid), messages, limit)
