"""Fanout: the one path of a chat after the log has committed it.

A handler posts the chat and returns the future this gives; the journal commits it with
its batch; then, in this order, each recipient attached here gets it (through their
session, the only code that writes), the other instances get theirs through the bus,
and the sender's ACK completes the future. Handlers are never called back.
"""

from __future__ import annotations

import contextlib
import time
from asyncio import Future
from functools import partial

from chatapp.protocol import Ack, Event, MsgId, Rid

from .bus import Bus, BusUnavailable, Delivery
from .chats import chat_event
from .futures import pass_on
from .journal import Journal
from .storage import Logged, NewMessage
from .tally import SECONDS, Histogram


class Fanout:
    """Posts chats to the log and hands each committed one to its recipients."""

    def __init__(self, journal: Journal, bus: Bus) -> None:
        self._journal = journal
        self._bus = bus
        self.deliveries = 0  # of committed chats, to recipients here or elsewhere
        self.publish_seconds = Histogram(SECONDS)  # each publish to other instances

    def post(
        self, new: NewMessage, msgid: MsgId, rid: Rid, *, answered: bool = True
    ) -> Future[Event | None]:
        """Queues the chat for the log. The future completes with the sender's ACK once
        the chat is committed and handed on (with None, where the sender's dialect has no
        ACK: not `answered`), or fails with the log's error."""
        reply: Future[Event | None] = self._journal.loop().create_future()
        re = (msgid, rid) if answered else None
        self._journal.append(new, partial(self._committed, new, reply, re))
        return reply

    def _committed(
        self,
        new: NewMessage,
        reply: Future[Event | None],
        re: tuple[MsgId, Rid] | None,
        logged: Logged | None,
        exc: BaseException | None,
    ) -> None:
        """The commit is done: deliver, then answer. The chat is in the log already, so a
        recipient who is offline, or whose instance cannot be reached now, gets it from
        there at login or when the bus is back. A retry of a chat logged before delivers
        the first one's deliveries still in the log. Where the sender's other devices get a
        copy, the ACK names its number in the sender's sequence."""
        if reply.done():
            return
        if logged is None:
            reply.set_exception(exc or RuntimeError("the log gave no outcome"))
            return
        answer = None if re is None else _ack(re, new, logged)
        rest = self._deliver(new, logged)
        if not rest:
            reply.set_result(answer)
            return
        task = self._journal.loop().create_task(self._elsewhere(rest))
        pass_on(task, reply, lambda _: answer)

    def _deliver(self, new: NewMessage, logged: Logged) -> list[tuple[int, Delivery]]:
        """Hands the chat to its recipients here; returns those of other instances."""
        # A retry delivers the first message again: its first attempt may have been
        # committed without anyone hearing of it. Who has it already drops the copy.
        message = logged.first or new.message
        self.deliveries += len(logged.deliveries)
        return self._bus.publish_here(
            [(uid, chat_event(message, seq)) for uid, seq in logged.deliveries]
        )

    async def _elsewhere(self, deliveries: list[tuple[int, Delivery]]) -> None:
        """To other instances (the sessions here have theirs), before the sender's next
        request is read."""
        started = time.perf_counter()
        with contextlib.suppress(BusUnavailable):
            await self._bus.publish_elsewhere(deliveries)
            self.publish_seconds.observe(time.perf_counter() - started)


def _ack(re: tuple[MsgId, Rid], new: NewMessage, logged: Logged) -> Ack:
    """The sender's ACK: the chat's mid, and the number of the sender's own copy where
    their other devices get one (rare: checked once, not per delivery)."""
    sender = new.message.sender_id
    seq = _own_copy(logged, sender) if sender in new.recipients else None
    return Ack(*re, mid=logged.mid, seq=seq)


def _own_copy(logged: Logged, sender_id: int) -> int | None:
    """The number of the sender's own copy of a chat (for their other devices), if any."""
    return next((seq for uid, seq in logged.deliveries if uid == sender_id), None)
