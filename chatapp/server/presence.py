"""Presence: telling friends when a user comes and goes, and reading who is online."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

from chatapp.protocol import OFFLINE, ONLINE, Presence

from .bus import BusUnavailable
from .storage import User

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .app import ChatServer


async def announce_presence(
    server: ChatServer, user: User, friend_ids: Collection[int], *, online: bool
) -> None:
    """Tells each online friend that `user` came online or went offline; nothing is stored."""
    if not friend_ids:  # nobody to tell: no event, and no round trip to the bus
        return
    event = Presence(user.id, user.name, ONLINE if online else OFFLINE)
    try:
        await server.bus.publish_many((uid, event) for uid in friend_ids)
    except BusUnavailable as exc:
        # Presence is a notice, not a message: friends see the state at their next login.
        log.warning("presence of user %d not announced: %s", user.id, exc)


async def states(server: ChatServer, user_ids: Iterable[int]) -> dict[int, str]:
    """`online` or `offline` for each user, wherever they are logged in."""
    ids = set(user_ids)
    online = await server.bus.online(ids)
    return {uid: ONLINE if uid in online else OFFLINE for uid in ids}
