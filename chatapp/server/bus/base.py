"""The Bus interface: who is online anywhere, and carrying events to them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from chatapp.protocol import Event


@dataclass(frozen=True, slots=True)
class Doorbell:
    """Tells a user's session that messages were stored for it: take them now.

    A sender stores a message when no subscriber took it, then rings; a user who came
    online in between hears the bell, so no stored message waits for the next login.
    """


DOORBELL = Doorbell()


@dataclass(frozen=True, slots=True)
class TieCut:
    """Tells a user's session that user `user_id` (named `name`) ended their friendship by
    blocking them: presence between the two stops, and the client hears only that the user
    went offline (a block is never told)."""

    user_id: int
    name: str


@dataclass(frozen=True, slots=True)
class EndSession:
    """Tells the user's sessions that device `device_id` was ended (from another of their
    devices, or because a new session of the same device took over): its session, wherever
    it is, says `why` to its client and closes."""

    device_id: int
    why: str


@dataclass(frozen=True, slots=True)
class Echo:
    """An event for the user's other sessions: what one device did (accepted a friend,
    read a conversation, joined a group), told to the rest. The session of `origin`
    (a device id) drops it: it had the answer already."""

    event: Event
    origin: int


@dataclass(frozen=True, slots=True)
class Attached:
    """The outcome of Bus.attach: `claimed`, whether the session is attached; `first`,
    whether it is the user's only live session anywhere (the user just came online)."""

    claimed: bool
    first: bool = False


Delivery = Event | Doorbell | TieCut | EndSession | Echo
Deliver = Callable[[Delivery], None]
"""What the bus calls, on the event loop, for each delivery to a user attached here."""


class BusUnavailable(Exception):
    """The bus cannot be reached; callers store what they could not publish."""


class BusListener(Protocol):
    """What a bus tells the server it serves, besides deliveries to attached users."""

    def group_changed(self, group_id: int) -> None:
        """Another instance changed a group's membership: forget what is cached of it."""

    def ties_changed(self, user_id: int) -> None:
        """Another instance changed whom the user blocks or accepts, or their strangers
        setting: forget what is cached of it."""

    def resumed(self, user_ids: list[int]) -> None:
        """The bus was cut off and is back: deliveries may have been missed, so these
        attached users should look for stored messages."""

    def evicted(self, user_ids: list[int]) -> None:
        """These users' exclusive (legacy) sessions here lost their claim while the bus was
        cut off, and the user logged in elsewhere meanwhile: those sessions must end."""


class Bus(Protocol):
    """Presence and delivery across every server instance that shares the bus.

    A user may have several sessions at once, one per device, on one instance or on
    several; each gets every delivery to the user. A legacy session is exclusive: it
    attaches only while the user has no session anywhere. Errors of the transport
    underneath surface as BusUnavailable.
    """

    @property
    def node(self) -> int:
        """A number from 0 to 63 that no other live instance on this bus holds, once started:
        it keeps the message ids the instances make apart."""

    @property
    def connected(self) -> bool:
        """Whether deliveries from other instances reach this one now: false before the
        start, while the bus reconnects and after the close."""

    @property
    def reconnects(self) -> int:
        """How many times the bus lost its connection and made it again."""

    async def start(self, listener: BusListener) -> None:
        """Connects; deliveries flow once this returns."""

    async def close(self) -> None:
        """Detaches every session attached through this bus object and disconnects."""

    async def attach(
        self, user_id: int, device_id: int, deliver: Deliver, *, exclusive: bool = False
    ) -> Attached:
        """Claims the user's device as online here and routes every delivery to the user to
        `deliver` too (as well as to the user's other sessions, here and elsewhere).

        Not claimed, changing nothing, where `exclusive` and the user has a session
        anywhere, nor where another device of the user holds an exclusive session. A
        device attached already (here or elsewhere) is attached here instead: its earlier
        session is told to end by the caller, not by the bus. Where the user has sessions
        on other instances, they are told, and each rings the doorbell to the user's
        sessions (so that a chat they delivered only locally before hearing of this one
        is read from the log). `first` is false where the same device's earlier
        session was still live: the user was online already."""

    async def detach(self, user_id: int, device_id: int, deliver: Deliver) -> bool:
        """Ends the session of the device that `deliver` routes to, if it is attached here
        (a later session of the same device is left alone); returns whether the user has
        no live session anywhere now (the user went offline)."""

    async def online(self, user_ids: Iterable[int]) -> set[int]:
        """Which of these users have a session anywhere."""

    async def online_devices(self, user_id: int) -> set[int]:
        """The user's devices that have a session anywhere."""

    async def publish(self, user_id: int, delivery: Delivery) -> bool:
        """Hands a delivery to every session of the user; False when there was none."""

    async def publish_many(self, items: Iterable[tuple[int, Delivery]]) -> list[int]:
        """Publishes a delivery to every session of each user, here and elsewhere; returns
        the users no session took theirs for."""

    def publish_here(self, items: Iterable[tuple[int, Delivery]]) -> list[tuple[int, Delivery]]:
        """Hands each delivery to its user's sessions attached to this instance, at once;
        returns those that sessions on other instances may need (the user has none here,
        or has sessions elsewhere too), for publish_elsewhere: none when there are no
        other instances. The common case of a chat needs no await."""

    async def publish_elsewhere(self, items: Iterable[tuple[int, Delivery]]) -> list[int]:
        """Publishes each delivery to its user's sessions on other instances only (this
        instance's were served by publish_here); returns the users none took it for."""

    async def group_changed(self, group_id: int) -> None:
        """Tells the other instances that a group's membership changed."""

    async def ties_changed(self, user_id: int) -> None:
        """Tells the other instances that a user's blocks, accepted senders or strangers
        setting changed."""
