"""Blocking and message requests: BLOCK, BLOCKS, MESSAGE_REQUESTS and MESSAGE_ANSWER."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from chatapp.protocol import (
    Ack,
    Block,
    BlockedUser,
    Blocks,
    Errno,
    Event,
    MessageAnswer,
    MessageRequests,
    MsgId,
    SenderInfo,
)

from ..bus import BusUnavailable, TieCut
from ..chats import chat_events
from ..errors import ChatError
from ..storage import LimitReached, NoSuchUser, User
from . import checks
from .consent import held_preview

if TYPE_CHECKING:
    from ..session import Session


async def block(session: Session, req: Block) -> Event:
    """Blocks a user, or ends the block. Blocking ends the friendship between the two (and
    with it their presence, both ways, live), drops what the blocked user has waiting as a
    message request, and forgets that they were accepted. The blocked user is not told."""
    me = checks.me(session, None)
    server = session.server
    other = req.userid
    if other == me.id:
        raise ChatError(Errno.INVALID_ARGUMENT, "you cannot block yourself")
    if not await server.users.exists(other):
        raise ChatError(Errno.NO_SUCH_USER, f"no user with id {other}")
    if req.block:
        most = server.config.max_blocks
        try:
            were_friends = await server.storage.block(me.id, other, most=most)
        except NoSuchUser:
            raise ChatError(Errno.NO_SUCH_USER, f"no user with id {other}") from None
        except LimitReached:
            why = f"you block {most} users already: unblock one first"
            raise ChatError(Errno.INVALID_ARGUMENT, why) from None
        await server.ties.changed(me.id)
        if were_friends:
            await unfriended(session, me, other)
    elif await server.storage.unblock(me.id, other):
        await server.ties.changed(me.id)
    return Ack(MsgId.BLOCK, rid=req.rid)


async def unfriended(session: Session, me: User, other: int) -> None:
    """The friendship of `me` (this session's user) and `other` has ended: presence stops
    both ways. `other`'s session, on any instance, drops `me` from its friends and its
    client sees `me` go offline, as after any parting."""
    session.friend_ids.discard(other)
    with contextlib.suppress(BusUnavailable):  # their next login reads friends afresh
        await session.server.bus.publish(other, TieCut(me.id, me.name))


async def blocks(session: Session, req: Blocks) -> Event:
    me = checks.me(session, None)
    limit = _limit(session, req.limit)
    found = await session.server.storage.blocks(me.id, req.after, limit + 1)
    infos = [BlockedUser(contact.id, contact.name) for contact in found]
    return checks.page(session, Ack(MsgId.BLOCKS, rid=req.rid), infos, limit)


async def message_requests(session: Session, req: MessageRequests) -> Event:
    me = checks.me(session, None)
    config = session.server.config
    limit = _limit(session, req.limit)
    found = await session.server.storage.message_requests(
        me.id, req.after, limit + 1, config.request_preview
    )
    chars = config.request_preview_chars
    infos = [
        SenderInfo(r.sender.id, r.sender.name, r.count,
                   tuple(held_preview(m, chars) for m in r.first))
        for r in found
    ]  # fmt: skip
    return checks.page(session, Ack(MsgId.MESSAGE_REQUESTS, rid=req.rid), infos, limit)


async def message_answer(session: Session, req: MessageAnswer) -> Event:
    """Accepts a message request (the held messages go to the log, in order, and to this
    session now; the sender's later messages flow) or declines it (they are deleted). The
    sender is told nothing either way."""
    me = checks.me(session, None)
    server = session.server
    if req.accept:
        deliveries = await server.storage.accept_sender(me.id, req.sender)
        answered = bool(deliveries)
        if answered:
            await server.ties.changed(me.id)
            assert session.mailbox is not None  # made by the login
            for chat in chat_events(deliveries):
                session.mailbox.deliver(chat)
    else:
        answered = await server.storage.decline_sender(me.id, req.sender) > 0
    if not answered:
        raise ChatError(Errno.NO_SUCH_REQUEST, f"no message request from user {req.sender}")
    return Ack(MsgId.MESSAGE_ANSWER, rid=req.rid)


def _limit(session: Session, requested: int | None) -> int:
    config = session.server.config
    most = config.max_list_page
    return checks.page_size(requested, min(config.list_page, most), most)
