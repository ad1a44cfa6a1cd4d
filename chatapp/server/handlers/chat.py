"""Chat: one-to-one and group messages through the log, acknowledgements, sync, history."""

from __future__ import annotations

import contextlib
import dataclasses
from typing import TYPE_CHECKING

from chatapp.protocol import (
    Ack,
    Chat,
    ChatMessage,
    Delivered,
    Errno,
    Event,
    GroupChat,
    GroupMessage,
    History,
    MsgId,
    OneChat,
    Sync,
)

from ..bus import BusUnavailable
from ..errors import ChatError
from ..storage import Logged, NewMessage
from . import checks

if TYPE_CHECKING:
    from ..session import Session

HISTORY_DEFAULT = 50


async def one_chat(session: Session, req: OneChat) -> Event:
    me = checks.me(session, req.id)
    text = checks.text(session, req.msg)
    server = session.server
    if not await server.users.exists(req.toid):
        raise ChatError(Errno.NO_SUCH_USER, f"no user with id {req.toid}")
    time, mid, ts = server.stamp()
    message = ChatMessage(me.id, me.name, req.toid, text, time, mid, ts)
    logged = await server.journal.append(NewMessage(message, (req.toid,), req.cid))
    await _deliver(session, message, logged)
    return Ack(MsgId.ONE_CHAT, rid=req.rid, mid=logged.mid)


async def group_chat(session: Session, req: GroupChat) -> Event:
    me = checks.me(session, req.id)
    text = checks.text(session, req.msg)
    server = session.server
    members = await server.groups.members(req.groupid)
    if members is None:
        raise ChatError(Errno.NO_SUCH_GROUP, f"no group with id {req.groupid}")
    if me.id not in members:
        raise ChatError(Errno.NOT_A_MEMBER, f"you are not a member of group {req.groupid}")
    time, mid, ts = server.stamp()
    message = GroupMessage(me.id, me.name, req.groupid, text, time, mid, ts)
    recipients = tuple(sorted(m for m in members if m != me.id))
    logged = await server.journal.append(NewMessage(message, recipients, req.cid))
    await _deliver(session, message, logged)
    return Ack(MsgId.GROUP_CHAT, rid=req.rid, mid=logged.mid)


async def _deliver(session: Session, message: Chat, logged: Logged) -> None:
    """Hands a committed message to its online recipients, each with their number.

    It is in the log already: a recipient who is offline, or whose instance cannot be
    reached now, gets it from there at login or when the bus is back.
    """
    if logged.duplicate:
        return  # a retry: the first attempt delivered it
    items = [(uid, dataclasses.replace(message, seq=seq)) for uid, seq in logged.deliveries]
    with contextlib.suppress(BusUnavailable):
        await session.server.bus.publish_many(items)


async def delivered(session: Session, req: Delivered) -> None:
    """The client holds everything up to `seq`: the cursor moves with the next batch."""
    me = checks.me(session, None)
    session.server.journal.ack(me.id, req.seq)


async def sync(session: Session, req: Sync) -> Event:
    me = checks.me(session, None)
    page = session.server.config.sync_page
    limit = checks.page_size(req.limit, page, page)
    pending = await session.server.storage.pending(me.id, req.last, limit + 1)
    messages = pending.messages[:limit]
    for message in messages:
        session.sent.add(message.seq)  # so that a live copy on its way is not sent again
    return Ack(
        MsgId.SYNC, rid=req.rid, messages=tuple(messages), more=len(pending.messages) > limit
    )


async def history(session: Session, req: History) -> Event:
    me = checks.me(session, None)
    server = session.server
    most = server.config.sync_page
    limit = checks.page_size(req.limit, min(HISTORY_DEFAULT, most), most)
    if req.groupid is not None:
        members = await server.groups.members(req.groupid)
        if members is None:
            raise ChatError(Errno.NO_SUCH_GROUP, f"no group with id {req.groupid}")
        if me.id not in members:
            raise ChatError(Errno.NOT_A_MEMBER, f"you are not a member of group {req.groupid}")
        conversation = (int(MsgId.GROUP_CHAT), req.groupid, 0)
    else:
        assert req.peer is not None  # the codec requires one of the two
        low, high = sorted((me.id, req.peer))
        conversation = (int(MsgId.ONE_CHAT), low, high)
    found = await server.storage.history(conversation, req.before, limit + 1)
    return Ack(MsgId.HISTORY, rid=req.rid, messages=tuple(found[:limit]), more=len(found) > limit)
