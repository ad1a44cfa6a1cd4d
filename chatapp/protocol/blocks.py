"""Blocking and message requests: BLOCK, BLOCKS, MESSAGE_REQUESTS and MESSAGE_ANSWER, the
records their pages hold, and the notice of a new message request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .codes import Dialect, MsgId
from .errors import Rid
from .fields import Fields
from .lists import UserList
from .parts import Wire, with_rid


@dataclass(frozen=True, slots=True)
class Block:
    """Blocks user `userid` (`block` true) or ends the block (false). A blocked user's
    chats to the blocker reach nobody, and they are not told."""

    MSGID: ClassVar[MsgId] = MsgId.BLOCK

    userid: int
    block: bool = True
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.BLOCK, "userid": self.userid, "block": self.block}
        return with_rid(obj, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> Block:
        block = f.opt_bool("block")
        return cls(userid=f.req_int("userid"), block=block is not False, rid=f.rid)


@dataclass(frozen=True, slots=True)
class Blocks(UserList):
    """The users the user blocks, a page at a time."""

    MSGID: ClassVar[MsgId] = MsgId.BLOCKS


@dataclass(frozen=True, slots=True)
class MessageRequests(UserList):
    """The strangers whose messages wait for the user's answer, a page at a time."""

    MSGID: ClassVar[MsgId] = MsgId.MESSAGE_REQUESTS


@dataclass(frozen=True, slots=True)
class MessageAnswer:
    """Answers the message request of user `sender` (`from` on the wire): `accept` true
    delivers their held messages and lets their later ones through; false deletes them."""

    MSGID: ClassVar[MsgId] = MsgId.MESSAGE_ANSWER

    sender: int
    accept: bool
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.MESSAGE_ANSWER, "from": self.sender, "accept": self.accept}
        return with_rid(obj, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> MessageAnswer:
        accept = f.opt_bool("accept")
        if accept is None:
            raise f.fail("field 'accept' is missing")
        return cls(sender=f.req_int("from"), accept=accept, rid=f.rid)


@dataclass(frozen=True, slots=True)
class BlockedUser:
    """A user the user blocks, as BLOCKS lists them: id and name."""

    id: int
    name: str

    def to_wire(self) -> Wire:
        return {"id": self.id, "name": self.name}

    @classmethod
    def from_wire(cls, f: Fields) -> BlockedUser:
        return cls(f.req_int("id"), f.req_str("name"))


@dataclass(frozen=True, slots=True)
class HeldPreview:
    """One held message as a message request shows it: its id, its text (cut to the
    server's preview length; `cut` says it was), its time."""

    mid: int
    msg: str
    time: str
    ts: int
    cut: bool = False

    def to_wire(self) -> Wire:
        obj: Wire = {"mid": self.mid, "msg": self.msg, "time": self.time, "ts": self.ts}
        if self.cut:
            obj["cut"] = True
        return obj

    @classmethod
    def from_wire(cls, f: Fields) -> HeldPreview:
        time, ts = f.opt_str("time") or "", f.opt_int("ts") or 0
        return cls(f.req_int("mid"), f.req_str("msg"), time, ts, f.flag("cut"))


@dataclass(frozen=True, slots=True)
class SenderInfo:
    """A stranger waiting for an answer: id, name, how many of their messages are held,
    and the first of them."""

    id: int
    name: str
    count: int
    messages: tuple[HeldPreview, ...] = ()

    def to_wire(self) -> Wire:
        obj: Wire = {"id": self.id, "name": self.name, "count": self.count}
        obj["messages"] = [m.to_wire() for m in self.messages]
        return obj

    @classmethod
    def from_wire(cls, f: Fields) -> SenderInfo:
        messages = tuple(HeldPreview.from_wire(m) for m in f.subs("messages"))
        return cls(f.req_int("id"), f.req_str("name"), f.req_int("count"), messages)


@dataclass(frozen=True, slots=True)
class NewMessageRequest:
    """Pushed (current protocol): a stranger's message was kept apart as a message
    request; `sender` carries the count now held and the new message's preview."""

    MSGID: ClassVar[MsgId] = MsgId.MESSAGE_REQUESTS

    sender: SenderInfo

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        return {"msgid": MsgId.MESSAGE_REQUESTS, "sender": self.sender.to_wire()}

    @classmethod
    def from_wire(cls, f: Fields) -> NewMessageRequest:
        sender = f.opt_sub("sender")
        if sender is None:
            raise f.fail("field 'sender' is missing")
        return cls(SenderInfo.from_wire(sender))
