"""Friend requests with consent: asking, answering, cancelling, unfriending, the paged
lists of requests, and FRIEND_EVENT, which tells the other side live."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .codes import Dialect, MsgId
from .errors import Rid
from .fields import Fields
from .parts import Wire, optional, with_rid

REQUESTED = "requested"
FRIENDS = "friends"
"""The `state` of the ACK of FRIEND_REQUEST (and ADD_FRIEND): the request waits for the
other user, or the two are friends now (the other had asked first)."""

FRIEND_EVENTS = ("request", "accepted", "declined", "cancelled", "removed")
"""What a FRIEND_EVENT tells: `user` asked to be a friend, accepted or declined the
user's request, cancelled their own, or ended the friendship."""

DIRECTIONS = ("in", "out")
"""REQUESTS' `dir`: requests waiting for the user's answer, or the user's own."""


@dataclass(frozen=True, slots=True)
class UserRef:
    """Another user, as friend requests name them: id and name."""

    id: int
    name: str

    def to_wire(self) -> Wire:
        return {"id": self.id, "name": self.name}

    @classmethod
    def from_wire(cls, f: Fields) -> UserRef:
        return cls(f.req_int("id"), f.req_str("name"))


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """A waiting request in a REQUESTS page: the other user and when it was made (`ts`,
    epoch milliseconds)."""

    id: int
    name: str
    ts: int

    def to_wire(self) -> Wire:
        return {"id": self.id, "name": self.name, "ts": self.ts}

    @classmethod
    def from_wire(cls, f: Fields) -> RequestInfo:
        return cls(f.req_int("id"), f.req_str("name"), f.req_int("ts"))


@dataclass(frozen=True, slots=True)
class RequestCounts:
    """How many friend requests wait for the user's answer (`in`) and for others' (`out`),
    as the LOGIN_ACK carries them; the requests themselves are read with REQUESTS."""

    incoming: int
    outgoing: int

    def to_wire(self) -> Wire:
        return {"in": self.incoming, "out": self.outgoing}

    @classmethod
    def from_wire(cls, f: Fields) -> RequestCounts:
        return cls(f.opt_int("in") or 0, f.opt_int("out") or 0)


@dataclass(frozen=True, slots=True)
class FriendRequest:
    """Ask user `to` to be a friend; where they had asked already, this accepts."""

    MSGID: ClassVar[MsgId] = MsgId.FRIEND_REQUEST

    to: int
    rid: Rid = None

    def to_wire(self) -> Wire:
        return with_rid({"msgid": MsgId.FRIEND_REQUEST, "to": self.to}, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> FriendRequest:
        return cls(to=f.req_int("to"), rid=f.rid)


@dataclass(frozen=True, slots=True)
class FriendAnswer:
    """Accept or decline the request that user `requester` (`from` on the wire) made."""

    MSGID: ClassVar[MsgId] = MsgId.FRIEND_ANSWER

    requester: int
    accept: bool
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.FRIEND_ANSWER, "from": self.requester, "accept": self.accept}
        return with_rid(obj, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> FriendAnswer:
        accept = f.opt_bool("accept")
        if accept is None:
            raise f.fail("field 'accept' is missing")
        return cls(requester=f.req_int("from"), accept=accept, rid=f.rid)


@dataclass(frozen=True, slots=True)
class FriendCancel:
    """Withdraw the user's own request to user `to`."""

    MSGID: ClassVar[MsgId] = MsgId.FRIEND_CANCEL

    to: int
    rid: Rid = None

    def to_wire(self) -> Wire:
        return with_rid({"msgid": MsgId.FRIEND_CANCEL, "to": self.to}, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> FriendCancel:
        return cls(to=f.req_int("to"), rid=f.rid)


@dataclass(frozen=True, slots=True)
class Unfriend:
    """End the friendship with `friendid`, for both."""

    MSGID: ClassVar[MsgId] = MsgId.UNFRIEND

    friendid: int
    rid: Rid = None

    def to_wire(self) -> Wire:
        return with_rid({"msgid": MsgId.UNFRIEND, "friendid": self.friendid}, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> Unfriend:
        return cls(friendid=f.req_int("friendid"), rid=f.rid)


@dataclass(frozen=True, slots=True)
class Requests:
    """A page of waiting requests, `direction` (`dir`) "in" or "out": those with the
    other user's id above `after`, at most `limit`."""

    MSGID: ClassVar[MsgId] = MsgId.REQUESTS

    direction: str
    after: int | None = None
    limit: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.REQUESTS, "dir": self.direction}
        return with_rid(optional(obj, after=self.after, limit=self.limit), self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> Requests:
        direction = f.req_str("dir")
        if direction not in DIRECTIONS:
            raise f.fail(f"field 'dir' must be one of {', '.join(DIRECTIONS)}")
        after, limit = f.opt_int("after"), f.opt_int("limit")
        return cls(direction=direction, after=after, limit=limit, rid=f.rid)


@dataclass(frozen=True, slots=True)
class FriendEvent:
    """What another user did about the user (current protocol): `event` is one of
    FRIEND_EVENTS; `state` is `user`'s presence where they became a friend."""

    MSGID: ClassVar[MsgId] = MsgId.FRIEND_EVENT

    event: str
    user: UserRef
    state: str | None = None

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        obj: Wire = {"msgid": MsgId.FRIEND_EVENT, "event": self.event, "user": self.user.to_wire()}
        return optional(obj, state=self.state)

    @classmethod
    def from_wire(cls, f: Fields) -> FriendEvent:
        user = f.opt_sub("user")
        if user is None:
            raise f.fail("field 'user' is missing")
        event, state = f.req_str("event"), f.opt_str("state")
        return cls(event=event, user=UserRef.from_wire(user), state=state)
