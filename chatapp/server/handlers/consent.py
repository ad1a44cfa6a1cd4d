"""Whether a one-to-one chat reaches its recipient: not from a user they block (dropped, and
the sender answered as if delivered), and from a stranger only as their strangers setting
allows (delivered, refused, or held as a message request until they answer)."""

from __future__ import annotations

import asyncio
import contextlib
from asyncio import Future
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from chatapp.protocol import (
    Ack,
    Errno,
    Event,
    HeldPreview,
    MsgId,
    NewMessageRequest,
    OneChat,
    SenderInfo,
)

from ..bus import BusUnavailable
from ..errors import ChatError
from ..futures import pass_on
from ..storage import LimitReached, NewMessage, NoSuchUser, StoredMessage, Ties

if TYPE_CHECKING:
    from ..session import Session

EVERYONE = "everyone"
REQUESTS = "requests"
NOBODY = "nobody"


def screen(
    session: Session, ties: Ties, message: StoredMessage, req: OneChat
) -> Event | Awaitable[Event] | None:
    """None where the chat goes to the log as any other; else the sender's answer: the
    ACK of a chat dropped or held, or a refusal. `ties` are the recipient's. Between
    friends this costs no query: the sender's friends are in their session."""
    sender, target = message.sender_id, message.target
    if sender in ties.blocked:
        return _dropped(session, ties, message, req)
    if ties.strangers == EVERYONE or target in session.friend_ids or sender == target:
        return None
    if sender in ties.accepted:
        return None
    if ties.strangers == NOBODY:
        _friends_only(target)
    return _held(session, message, req)


def _dropped(
    session: Session, ties: Ties, message: StoredMessage, req: OneChat
) -> Awaitable[Event]:
    """A chat from a user the recipient blocks: answered as a logged chat would be, with a
    mid of its own, and kept nowhere. Where a stranger would be refused, so is the blocked
    sender, so that the answer never shows a block: friends only, or as many held as a
    stranger may have waiting for an answer that never comes."""
    sender, target = message.sender_id, message.target
    server = session.server
    stranger = target not in session.friend_ids
    if stranger and ties.strangers == NOBODY:
        _friends_only(target)
    mid, count = server.ties.dropped(sender, target, req.cid, message.mid)
    if stranger and ties.strangers == REQUESTS and count > server.config.held_per_sender:
        why = f"waiting for user {target} to answer your message request"
        raise ChatError(Errno.REQUEST_WAITING, why)
    # Answered once the log has written a batch, as a logged chat would be: in its time.
    reply: Future[Event] = asyncio.get_running_loop().create_future()
    ack = Ack(MsgId.ONE_CHAT, rid=req.rid, mid=mid)
    pass_on(server.journal.settled(), reply, lambda _: ack)
    return reply


def _friends_only(target: int) -> None:
    raise ChatError(Errno.NOT_ACCEPTED, f"user {target} takes messages from friends only")


async def _held(session: Session, message: StoredMessage, req: OneChat) -> Event:
    """Keeps the chat apart as a message request and tells the recipient, if online."""
    server = session.server
    config = server.config
    target = message.target
    try:
        held = await server.storage.hold_message(
            NewMessage(message, (target,), req.cid),
            per_sender=config.held_per_sender,
            per_recipient=config.held_per_user,
        )
    except NoSuchUser:
        raise ChatError(Errno.NO_SUCH_USER, f"no user with id {target}") from None
    except LimitReached as exc:
        if exc.scope == "sender":
            why = f"waiting for user {target} to answer your message request"
            raise ChatError(Errno.REQUEST_WAITING, why) from None
        why = f"user {target} takes no more message requests for now"
        raise ChatError(Errno.NOT_ACCEPTED, why) from None
    if held.accepted:  # the ties cached here were behind: a chat as any other
        server.ties.forget(target)
        new = NewMessage(message, (target,), req.cid)
        answer = await server.fanout.post(new, MsgId.ONE_CHAT, req.rid)
        assert answer is not None  # answered: the default
        return answer
    if held.fresh:
        preview = (held_preview(message, config.request_preview_chars),)
        sender = SenderInfo(message.sender_id, message.sender_name, held.count, preview)
        with contextlib.suppress(BusUnavailable):  # a notice: MESSAGE_REQUESTS lists it
            await server.bus.publish(target, NewMessageRequest(sender))
    return Ack(MsgId.ONE_CHAT, rid=req.rid, mid=held.mid)


def held_preview(message: StoredMessage, chars: int) -> HeldPreview:
    """A held message as a message request shows it: its text cut to `chars`."""
    text = message.text
    cut = len(text) > chars
    return HeldPreview(message.mid, text[:chars] if cut else text, message.time, message.ts, cut)
