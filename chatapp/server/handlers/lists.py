"""Pages of lists: the user's friends and groups, and the members of a group."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatapp.protocol import Ack, Errno, Event, FriendInfo, Friends, Groups, Members, MsgId

from ..errors import ChatError
from ..presence import states
from . import checks

if TYPE_CHECKING:
    from ..session import Session


async def friends(session: Session, req: Friends) -> Event:
    me = checks.me(session, None)
    server = session.server
    limit = _limit(session, req.limit)
    found = await server.storage.friends(me.id, req.after, limit + 1)
    state = await states(server, [f.id for f in found])
    infos = [FriendInfo(f.id, f.name, state[f.id]) for f in found]
    return checks.page(session, Ack(MsgId.FRIENDS, rid=req.rid), infos, limit)


async def groups(session: Session, req: Groups) -> Event:
    me = checks.me(session, None)
    limit = _limit(session, req.limit)
    found = await session.server.storage.groups_of(me.id, req.after, limit + 1)
    infos = [checks.group_info(group) for group in found]
    return checks.page(session, Ack(MsgId.GROUPS, rid=req.rid), infos, limit)


async def members(session: Session, req: Members) -> Event:
    me = checks.me(session, None)
    server = session.server
    limit = _limit(session, req.limit)
    await checks.member_of(session, me, req.groupid)
    found = await server.storage.members(req.groupid, req.after, limit + 1)
    if found is None:
        raise ChatError(Errno.NO_SUCH_GROUP, f"no group with id {req.groupid}")
    state = await states(server, [m.id for m in found])
    infos = checks.member_infos(found, state)
    return checks.page(session, Ack(MsgId.MEMBERS, rid=req.rid), infos, limit)


def _limit(session: Session, requested: int | None) -> int:
    config = session.server.config
    most = config.max_list_page
    return checks.page_size(requested, min(config.list_page, most), most)
