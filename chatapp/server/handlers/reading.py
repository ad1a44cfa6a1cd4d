"""READ and TYPING: read markers and the receipts they send, and live typing notices."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from chatapp.protocol import (
    Ack,
    Errno,
    Event,
    MsgId,
    Read,
    Receipt,
    Typing,
    TypingNotice,
    UserInfo,
)

from ..bus import BusUnavailable
from ..errors import ChatError
from ..storage import Conversation, Kind, StoredMessage, User
from . import checks
from .consent import EVERYONE
from .devices import echo
from .people import throttle

if TYPE_CHECKING:
    from ..app import ChatServer
    from ..session import Session

log = logging.getLogger(__name__)


async def read(session: Session, req: Read) -> Event:
    """Moves the user's read marker up to message `mid` of a conversation they are in
    (never back); answers with the marker as kept. Where it moved, and the user shows
    their reading, the other side hears of it (`receipt`)."""
    me = checks.me(session, None)
    storage = session.server.storage
    conversation = await _conversation(session, me, req.peer, req.groupid)
    message = await storage.message_by_id(req.mid)
    if message is None or message.conversation != conversation:
        raise ChatError(Errno.INVALID_ARGUMENT, f"message {req.mid} is not in this conversation")
    before = await storage.mark_read(me.id, conversation, req.mid)
    if req.mid > before:
        if (await storage.settings(me.id)).receipts:
            await receipt(session.server, me, message)
        # The user's other devices move their marker too; this one has the ACK.
        await echo(session, Receipt(req.mid, peer=req.peer, groupid=req.groupid, own=True))
    return Ack(MsgId.READ, rid=req.rid, mid=max(before, req.mid))


async def receipt(server: ChatServer, reader: User, message: StoredMessage) -> None:
    """Tells the other side that `reader` has read up to `message`: in a one-to-one
    conversation the peer (RECEIPT with `peer`: the reader); in a group the message's
    sender, with the count of members who have read it (RECEIPT with `count`)."""
    conversation = message.conversation
    if conversation.kind is Kind.DIRECT:
        peer = conversation.high if conversation.low == reader.id else conversation.low
        if peer != reader.id:
            await _publish(server, reader.id, [peer], Receipt(message.mid, peer=reader.id))
        return
    sender = message.sender_id
    members = await server.groups.members(message.target)
    if sender == reader.id or members is None or sender not in members:
        return
    count = await server.storage.readers(conversation, message.mid, sender)
    event = Receipt(message.mid, groupid=message.target, count=count)
    await _publish(server, reader.id, [sender], event)


async def typing(session: Session, req: Typing) -> Event:
    """Tells the peer, or the group's other members, who are online now that the user is
    typing; nothing is stored or queued. Rate limited per connection: beyond it the
    notice is refused with errno 14 and not sent."""
    me = checks.me(session, None)
    server = session.server
    sender = UserInfo(me.id, me.name)
    if req.groupid is not None:
        await checks.member_of(session, me, req.groupid)
        members = await server.groups.members(req.groupid) or frozenset()
        to = sorted(m for m in members if m != me.id)
        notice = TypingNotice(sender, groupid=req.groupid)
    else:
        assert req.peer is not None  # the codec requires one of the two
        if req.peer == me.id:
            raise ChatError(Errno.INVALID_ARGUMENT, "typing to yourself tells nobody")
        await _conversation(session, me, req.peer, None)
        to = [req.peer] if await _welcome(session, me.id, req.peer) else []
        notice = TypingNotice(sender, peer=me.id)
    config = server.config
    throttle(session, "typing", config.typing_rate, config.typing_burst)
    await _publish(server, me.id, to, notice)
    return Ack(MsgId.TYPING, rid=req.rid)


async def _welcome(session: Session, sender_id: int, peer: int) -> bool:
    """Whether `peer` takes the sender's chats as they come (a friend, an accepted sender,
    or everyone welcome): a stranger typing to a user who keeps strangers' messages apart
    or refuses them tells nobody, as their chat would reach nobody at once."""
    if peer in session.friend_ids:
        return True
    ties = await session.server.ties.load(peer)
    return ties.strangers == EVERYONE or sender_id in ties.accepted


async def audience(server: ChatServer, sender_id: int, user_ids: Iterable[int]) -> list[int]:
    """Who of `user_ids` may hear of `sender_id`'s typing and reading: all but those who
    block the sender. One user is looked up in the ties in memory; a group's members in
    one query (typing is rate limited, so this is at most one query a notice)."""
    ids = list(user_ids)
    if len(ids) == 1:
        return [] if await server.ties.blocked(sender_id, ids[0]) else ids
    blocking = await server.storage.blocked_by_any(sender_id, ids) if ids else set()
    return [uid for uid in ids if uid not in blocking]


async def _publish(
    server: ChatServer, sender_id: int, user_ids: Iterable[int], event: Receipt | TypingNotice
) -> None:
    """Hands `event` to those of `user_ids` online anywhere (`audience` permitting);
    nothing is kept for the others."""
    to = await audience(server, sender_id, user_ids)
    if not to:
        return
    try:
        await server.bus.publish_many((uid, event) for uid in to)
    except BusUnavailable as exc:
        # A notice, not a message: like presence, one missed is not sent again.
        log.warning("%s of user %d not sent: %s", type(event).__name__, sender_id, exc)


async def _conversation(
    session: Session, me: User, peer: int | None, groupid: int | None
) -> Conversation:
    """The conversation a request names, which must exist and hold the user: a group
    they are a member of, or another user who exists."""
    if groupid is not None:
        await checks.member_of(session, me, groupid)
        return Conversation.group(groupid)
    assert peer is not None  # the codec requires one of the two
    if not await session.server.users.exists(peer):
        raise ChatError(Errno.NO_SUCH_USER, f"no user with id {peer}")
    return Conversation.direct(me.id, peer)
