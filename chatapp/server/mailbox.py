"""Mailbox: what reaches one logged-in user's connection, each delivery once and in order.

Deliveries wait while the LOGIN_ACK is on its way, so it is always first; chats are sent
once each by their sequence number; after a long absence, or when the bus was cut off,
what the log holds is caught up page by page as fast as the client reads; a legacy client,
which cannot acknowledge, has what it was sent acknowledged for it once it has left.

A user may be logged in on several devices, each with a mailbox of its own: every one
gets every delivery; a chat the user sent (a carbon) reaches their other devices as SENT,
and the notices of what one device did (Echo) reach the others; a device ended elsewhere
(EndSession) closes its connection here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from chatapp.protocol import (
    OFFLINE,
    Chat,
    ChatMessage,
    DeviceEvent,
    Dialect,
    Errno,
    Error,
    Event,
    FriendAdded,
    FriendEvent,
    GroupMessage,
    Presence,
    Sent,
)

from .bus import Delivery, Doorbell, Echo, EndSession, TieCut
from .chats import chat_events
from .handover import Handover
from .sequence import SentSequence

if TYPE_CHECKING:
    from .session import Session

_CHATS = frozenset({ChatMessage, GroupMessage})


class Mailbox:
    """The delivery state of one login: made by LOGIN (holding), ended by leaving."""

    __slots__ = (
        "_again", "_catching_up", "_handover", "_posting", "_session", "closed", "device_id",
        "held", "legacy", "sent", "user_id",
    )  # fmt: skip

    def __init__(self, session: Session, user_id: int, device_id: int, *, legacy: bool) -> None:
        self._session = session
        self.user_id = user_id
        self.device_id = device_id
        self.legacy = legacy
        # Ids of chats this device is sending, whose carbons it has no need of.
        self._posting: set[int] = set()
        self.sent = SentSequence()
        # Deliveries waiting for the login ack to go out; None once it has.
        self.held: list[Delivery] | None = []
        self._catching_up = False
        self._again = False
        self.closed = False
        self._handover: Handover | None = None  # a legacy login's, made with its ack

    def deliver(self, delivery: Delivery) -> None:
        """What the bus calls for each delivery to the user; nothing once closed."""
        if self.closed:
            return
        if self.held is not None:
            self.held.append(delivery)
        elif type(delivery) in _CHATS:  # one chat, as send_chats takes it, inline: the hot path
            seq = delivery.seq  # type: ignore[union-attr]
            if not seq or self.sent.add(seq):
                self._send(delivery)  # type: ignore[arg-type]
                if self._handover is not None and not self.closed:
                    self._handover.written(self.sent.floor)
        elif isinstance(delivery, Doorbell):
            self.catch_up()
        elif isinstance(delivery, TieCut):  # a block ended the friendship: presence stops
            self._session.friend_ids.discard(delivery.user_id)
            self._session.send(Presence(delivery.user_id, delivery.name, OFFLINE))
        elif isinstance(delivery, EndSession):
            if delivery.device_id == self.device_id:
                self._end(delivery.why)
        elif isinstance(delivery, Echo):
            if delivery.origin != self.device_id:  # the device that acted has its answer
                self._notice(delivery.event)
        else:
            self._notice(delivery)

    def _notice(self, event: Event) -> None:
        if isinstance(event, FriendAdded):  # from an instance of the release before
            self._session.friend_ids.add(event.friend.id)
        elif isinstance(event, FriendEvent):
            self._friends_changed(event)
        elif isinstance(event, DeviceEvent):
            devices = self._session.devices
            if event.event == "added":
                devices.add(event.device.id)
            else:
                devices.discard(event.device.id)
        self._session.send(event)

    def _end(self, why: str) -> None:
        """This device was ended elsewhere: the client hears why, and is disconnected."""
        session = self._session
        self.close()
        session.send(Error(Errno.NOT_LOGGED_IN, why))
        session.close()

    def posting(self, mid: int) -> None:
        """This device sends chat `mid`, logged for the user's other devices too: its own
        copy is not sent back to it (the ACK says it was sent)."""
        if len(self._posting) >= 1024:  # carbons that never came (a failed write)
            self._posting.clear()
        self._posting.add(mid)

    def _friends_changed(self, event: FriendEvent) -> None:
        """Presence follows friendships as they are accepted and ended, on both sides."""
        if event.event == "accepted":
            self._session.friend_ids.add(event.user.id)
        elif event.event == "removed":
            self._session.friend_ids.discard(event.user.id)

    def release(self) -> None:
        """The login ack is out: what waited for it goes now, in order. A legacy client's
        offline messages, in the ack, count as delivered once it has left."""
        session = self._session
        if session.conn.dialect is Dialect.LEGACY:  # known now that the ack is encoded
            journal, device = session.server.journal, self.device_id
            self._handover = Handover(
                session, lambda user, seq: journal.ack(user, device, seq), self.user_id
            )
            self._handover.written(self.sent.floor)
        held, self.held = self.held or [], None
        for delivery in held:
            self.deliver(delivery)

    def send_chats(self, messages: Sequence[Chat]) -> list[Chat]:
        """Sends the deliveries not sent before; returns them. A legacy client cannot
        acknowledge, so what it was sent counts as delivered once it has left the server."""
        fresh = [m for m in messages if not m.seq or self.sent.add(m.seq)]
        for message in fresh:
            self._send(message)
        if fresh and self._handover is not None and not self.closed:
            self._handover.written(self.sent.floor)
        return fresh

    def _send(self, message: Chat) -> None:
        if message.id != self.user_id:
            self._session.send(message)
        elif message.mid in self._posting:  # this device's own chat: it has the ACK
            self._posting.discard(message.mid)
        elif not self.legacy:  # the original client knows no carbons
            self._session.send(Sent(message))

    def writable(self) -> None:
        """The connection takes more again: what left meanwhile counts as delivered."""
        if self._handover is not None:
            self._handover.settle()

    def catch_up(self) -> None:
        """Sends what the log holds beyond what was sent, in pages, as the client reads."""
        if self._catching_up:
            self._again = True
        else:
            self._catching_up = True
            # Maybe rung by another's chat: the catching up is this connection's.
            self._session.server.spawn(self._catch_up(), of=self._session)

    async def _catch_up(self) -> None:
        server = self._session.server
        page = server.config.sync_page
        try:
            while not self.closed and self._session.alive:
                self._again = False
                await self._session.drained()
                if self.closed:
                    return
                pending = await server.storage.pending(self.user_id, self.sent.floor, page)
                self.send_chats(chat_events(pending.deliveries))
                if len(pending.deliveries) < page and not self._again:
                    return
        finally:
            self._catching_up = False

    def close(self) -> None:
        """The user left: nothing more is sent; held chats are in the log for next time."""
        self.closed = True
        self.held = None
        if self._handover is not None:
            self._handover.close()
