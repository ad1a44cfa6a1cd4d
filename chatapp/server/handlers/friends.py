"""Friend requests with consent: ask (FRIEND_REQUEST, and ADD_FRIEND in either dialect),
answer, cancel, unfriend, the pages of waiting requests; the other side is told live with
FRIEND_EVENT, and presence follows accepted friendships only."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from chatapp.protocol import (
    FRIENDS,
    OFFLINE,
    ONLINE,
    Ack,
    AddFriend,
    Errno,
    Event,
    FriendAnswer,
    FriendCancel,
    FriendEvent,
    FriendInfo,
    FriendRequest,
    MsgId,
    RequestInfo,
    Requests,
    Unfriend,
    UserRef,
    cut_page,
)

from ..bus import BusUnavailable
from ..errors import ChatError
from ..presence import states
from ..storage import (
    REQUESTED,
    AlreadyExists,
    Contact,
    NoSuchRequest,
    NoSuchUser,
    NotFriends,
    RequestOutcome,
    Storage,
    TooManyRequests,
    User,
)
from . import checks
from .devices import echo

if TYPE_CHECKING:
    from ..session import Session


async def friend_request(session: Session, req: FriendRequest) -> Event:
    me = checks.me(session, None)
    outcome, presence = await ask(session, me, req.to)
    return _asked(Ack(MsgId.FRIEND_REQUEST, rid=req.rid), outcome, presence)


async def add_friend(session: Session, req: AddFriend) -> Event:
    """ADD_FRIEND, in either dialect: a friend request, whose ACK (current protocol)
    still carries `friend`, offline until they accept."""
    me = checks.me(session, req.id)
    outcome, presence = await ask(session, me, req.friendid)
    user = outcome.user
    friend = FriendInfo(user.id, user.name, presence or OFFLINE)
    return _asked(Ack(MsgId.ADD_FRIEND, rid=req.rid, friend=friend), outcome, presence)


async def ask(session: Session, me: User, target_id: int) -> tuple[RequestOutcome, str | None]:
    """Asks `target_id` to be a friend, or accepts their request where they had asked;
    tells them. Returns the outcome, and the target's presence where they became a friend."""
    if target_id == me.id:
        raise ChatError(Errno.SELF_FRIEND, "you cannot be your own friend")
    server = session.server
    if await server.ties.blocked(me.id, target_id):
        return await _unheard(session, target_id), None
    try:
        outcome = await server.storage.request_friend(
            me.id, target_id, server.now_ms(), most=server.config.max_friend_requests
        )
    except NoSuchUser:
        raise ChatError(Errno.NO_SUCH_USER, f"no user with id {target_id}") from None
    except AlreadyExists:
        raise ChatError(Errno.ALREADY_FRIENDS, f"user {target_id} is your friend already") from None
    except TooManyRequests:
        most = server.config.max_friend_requests
        why = f"{most} of your friend requests wait for answers: cancel one first"
        raise ChatError(Errno.TOO_MANY_PENDING, why) from None
    if outcome.state == FRIENDS:
        return outcome, await _befriended(session, me, outcome.user)
    if outcome.new:
        await _tell(session, outcome.user.id, FriendEvent("request", _ref(me)))
    return outcome, None


async def _unheard(session: Session, target_id: int) -> RequestOutcome:
    """A request to a user who blocks the asker: neither kept nor told, and answered as a
    request that waits (asked again: `new` false), so that the asker cannot tell."""
    target = await session.server.storage.user_by_id(target_id)
    assert target is not None  # a block names an existing user
    return RequestOutcome(REQUESTED, Contact(target.id, target.name), new=False)


async def friend_answer(session: Session, req: FriendAnswer) -> Event:
    me = checks.me(session, None)
    try:
        requester = await session.server.storage.answer_request(me.id, req.requester, req.accept)
    except NoSuchRequest:
        why = f"no friend request from user {req.requester} waits for you"
        raise ChatError(Errno.NO_SUCH_REQUEST, why) from None
    reply = Ack(MsgId.FRIEND_ANSWER, rid=req.rid, user=_ref(requester))
    if not req.accept:
        await _tell(session, requester.id, FriendEvent("declined", _ref(me)))
        return reply
    presence = await _befriended(session, me, requester)
    friend = FriendInfo(requester.id, requester.name, presence)
    return Ack(MsgId.FRIEND_ANSWER, rid=req.rid, user=reply.user, state=FRIENDS, friend=friend)


async def friend_cancel(session: Session, req: FriendCancel) -> Event:
    me = checks.me(session, None)
    try:
        target = await session.server.storage.cancel_request(me.id, req.to)
    except NoSuchRequest:
        why = f"you have no friend request to user {req.to} waiting"
        raise ChatError(Errno.NO_SUCH_REQUEST, why) from None
    await _tell(session, target.id, FriendEvent("cancelled", _ref(me)))
    return Ack(MsgId.FRIEND_CANCEL, rid=req.rid, user=_ref(target))


async def unfriend(session: Session, req: Unfriend) -> Event:
    me = checks.me(session, None)
    try:
        friend = await session.server.storage.remove_friendship(me.id, req.friendid)
    except NotFriends:
        raise ChatError(Errno.NOT_FRIENDS, f"user {req.friendid} is not your friend") from None
    session.friend_ids.discard(friend.id)  # no presence either way from now on
    await _tell(session, friend.id, FriendEvent("removed", _ref(me)))
    await echo(session, FriendEvent("removed", _ref(friend)))  # the user's other devices
    return Ack(MsgId.UNFRIEND, rid=req.rid, user=_ref(friend))


async def requests(session: Session, req: Requests) -> Event:
    me = checks.me(session, None)
    config, storage = session.server.config, session.server.storage
    most = config.max_list_page
    limit = checks.page_size(req.limit, min(config.list_page, most), most)
    read = storage.requests_in if req.direction == "in" else storage.requests_out
    found = [
        RequestInfo(r.id, r.name, r.created_ms) for r in await read(me.id, req.after, limit + 1)
    ]
    reply = Ack(MsgId.REQUESTS, rid=req.rid)
    budget = config.max_frame
    return cut_page(reply, "requests", found, limit=limit, budget=budget, dialect=session.dialect)


async def legacy_friends(
    storage: Storage, user_id: int, limit: int
) -> tuple[list[Contact], set[int]]:
    """The first `limit` + 1 of what a legacy client lists as its friends: accepted
    friends and the users it asked (the original made friends at once), by id; and which
    of them were only asked, who are shown offline."""
    friends = await storage.friends(user_id, None, limit + 1)
    asked = [Contact(r.id, r.name) for r in await storage.requests_out(user_id, None, limit + 1)]
    listed = sorted({c.id: c for c in [*friends, *asked]}.values(), key=lambda c: c.id)
    return listed[: limit + 1], {c.id for c in asked}


async def _befriended(session: Session, me: User, friend: Contact) -> str:
    """The two are friends now: presence flows both ways from here on (this session's
    friends, and theirs through the event). Returns the friend's presence."""
    session.friend_ids.add(friend.id)
    await _tell(session, friend.id, FriendEvent("accepted", _ref(me), ONLINE))
    presence = (await states(session.server, [friend.id]))[friend.id]
    await echo(session, FriendEvent("accepted", _ref(friend), presence))  # the other devices
    return presence


async def _tell(session: Session, user_id: int, event: FriendEvent) -> None:
    """Pushes `event` to the user's session, on whatever instance; nothing is stored (an
    offline user finds their requests with REQUESTS, their friends at login)."""
    with contextlib.suppress(BusUnavailable):
        await session.server.bus.publish(user_id, event)


def _asked(reply: Ack, outcome: RequestOutcome, presence: str | None) -> Ack:
    """The ACK of a request to be friends: the other user and the state between them,
    and, where they are friends now, the friend with their presence."""
    user = outcome.user
    friend = reply.friend if presence is None else FriendInfo(user.id, user.name, presence)
    return Ack(reply.re, rid=reply.rid, friend=friend, state=outcome.state, user=_ref(user))


def _ref(user: User | Contact) -> UserRef:
    return UserRef(user.id, user.name)
