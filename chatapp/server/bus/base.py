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


Delivery = Event | Doorbell | TieCut
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
        """These users' presence was lost while the bus was cut off and another instance
        logged them in: their sessions here must end."""


class Bus(Protocol):
    """Presence and delivery across every server instance that shares the bus.

    A user is attached on at most one instance at a time; attaching is the presence
    claim and the subscription in one step, so two logins can never both succeed.
    Errors of the transport underneath surface as BusUnavailable.
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
        """Detaches every user attached through this bus object and disconnects."""

    async def attach(self, user_id: int, deliver: Deliver) -> bool:
        """Claims the user as online here and routes their deliveries to `deliver`.

        Returns False, changing nothing, when the user is attached anywhere already.
        """

    async def detach(self, user_id: int) -> None:
        """Marks the user offline, if attached here; deliveries to them stop."""

    async def online(self, user_ids: Iterable[int]) -> set[int]:
        """Which of these users are attached anywhere."""

    async def publish(self, user_id: int, delivery: Delivery) -> bool:
        """Hands a delivery to the user's session; False when nobody took it."""

    async def publish_many(self, items: Iterable[tuple[int, Delivery]]) -> list[int]:
        """Publishes a delivery to each user; returns the users nobody took theirs for."""

    def publish_here(self, items: Iterable[tuple[int, Delivery]]) -> list[tuple[int, Delivery]]:
        """Hands each delivery to its user if attached to this instance, at once; returns
        the rest that other instances may take, for publish_many (none when there are no
        other instances). The common case of a chat needs no await."""

    async def group_changed(self, group_id: int) -> None:
        """Tells the other instances that a group's membership changed."""

    async def ties_changed(self, user_id: int) -> None:
        """Tells the other instances that a user's blocks, accepted senders or strangers
        setting changed."""
