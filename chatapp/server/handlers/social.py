"""Friends and groups: add a friend, create a group, join a group."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

from chatapp.protocol import (
    ONLINE,
    Ack,
    AddFriend,
    Errno,
    Event,
    FriendAdded,
    FriendInfo,
    MsgId,
)

from ..bus import BusUnavailable
from ..errors import ChatError
from ..presence import states
from ..storage import AlreadyExists, NoSuchUser
from . import checks

if TYPE_CHECKING:
    from ..session import Session

log = logging.getLogger(__name__)


async def add_friend(session: Session, req: AddFriend) -> Event:
    me = checks.me(session, req.id)
    if req.friendid == me.id:
        raise ChatError(Errno.SELF_FRIEND, "you cannot add yourself as a friend")
    server = session.server
    try:
        friend = await server.storage.add_friendship(me.id, req.friendid)
    except NoSuchUser:
        raise ChatError(Errno.NO_SUCH_USER, f"no user with id {req.friendid}") from None
    except AlreadyExists:
        raise ChatError(
            Errno.ALREADY_FRIENDS, f"user {req.friendid} is your friend already"
        ) from None
    session.friend_ids.add(friend.id)
    state = await states(server, [friend.id])
    with contextlib.suppress(BusUnavailable):  # a notice; the friend sees it at login anyway
        await server.bus.publish(friend.id, FriendAdded(FriendInfo(me.id, me.name, ONLINE)))
    info = FriendInfo(friend.id, friend.name, state[friend.id])
    return Ack(MsgId.ADD_FRIEND, rid=req.rid, friend=info)
