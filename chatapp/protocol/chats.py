"""Chats: the requests that send and read them and the events that deliver them, each with
its wire form both ways."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .codes import Dialect, MsgId
from .errors import Rid
from .fields import MAX_RID_LENGTH, Fields
from .parts import Wire, optional, with_rid


@dataclass(frozen=True, slots=True)
class OneChat:
    """Send `msg` to user `toid`. `id`, if given, must be the sender's own id; `cid`, a
    client-chosen message id, makes a retry after a lost acknowledgement harmless."""

    MSGID: ClassVar[MsgId] = MsgId.ONE_CHAT

    toid: int
    msg: str
    id: int | None = None
    cid: str | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.ONE_CHAT, "toid": self.toid, "msg": self.msg}
        return with_rid(optional(obj, id=self.id, cid=self.cid), self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> OneChat:
        toid, msg, sender = f.req_int("toid"), f.req_str("msg"), f.opt_int("id")
        return cls(toid=toid, msg=msg, id=sender, cid=_cid(f), rid=f.rid)


@dataclass(frozen=True, slots=True)
class GroupChat:
    """Send `msg` to every other member of group `groupid`; `cid` as for OneChat."""

    MSGID: ClassVar[MsgId] = MsgId.GROUP_CHAT

    groupid: int
    msg: str
    id: int | None = None
    cid: str | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.GROUP_CHAT, "groupid": self.groupid, "msg": self.msg}
        return with_rid(optional(obj, id=self.id, cid=self.cid), self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> GroupChat:
        groupid, msg, sender = f.req_int("groupid"), f.req_str("msg"), f.opt_int("id")
        return cls(groupid=groupid, msg=msg, id=sender, cid=_cid(f), rid=f.rid)


@dataclass(frozen=True, slots=True)
class Delivered:
    """The client holds every delivery up to sequence number `seq`; it gets no reply."""

    MSGID: ClassVar[MsgId] = MsgId.DELIVERED

    seq: int

    def to_wire(self) -> Wire:
        return {"msgid": MsgId.DELIVERED, "seq": self.seq}

    @classmethod
    def from_wire(cls, f: Fields) -> Delivered:
        return cls(seq=f.req_int("seq"))


@dataclass(frozen=True, slots=True)
class Sync:
    """Asks again for the deliveries after sequence number `last`, at most `limit`."""

    MSGID: ClassVar[MsgId] = MsgId.SYNC

    last: int
    limit: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.SYNC, "last": self.last}
        return with_rid(optional(obj, limit=self.limit), self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> Sync:
        return cls(last=f.req_int("last"), limit=f.opt_int("limit"), rid=f.rid)


@dataclass(frozen=True, slots=True)
class History:
    """A page of a conversation, newest first, before message `before` (or the newest):
    with user `peer`, or in group `groupid`."""

    MSGID: ClassVar[MsgId] = MsgId.HISTORY

    peer: int | None = None
    groupid: int | None = None
    before: int | None = None
    limit: int | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj: Wire = {"msgid": MsgId.HISTORY}
        fields = {"peer": self.peer, "groupid": self.groupid}
        fields.update(before=self.before, limit=self.limit)
        return with_rid(optional(obj, **fields), self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> History:
        history = cls(
            peer=f.opt_int("peer"),
            groupid=f.opt_int("groupid"),
            before=f.opt_int("before"),
            limit=f.opt_int("limit"),
            rid=f.rid,
        )
        if (history.peer is None) == (history.groupid is None):
            raise f.fail("HISTORY needs exactly one of 'peer' and 'groupid'")
        return history


def _cid(f: Fields) -> str | None:
    cid = f.opt_str("cid")
    if cid is not None and not 0 < len(cid) <= MAX_RID_LENGTH:
        raise f.fail(f"field 'cid' must be 1 to {MAX_RID_LENGTH} characters")
    return cid


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """A one-to-one message as delivered: sender as the server knows it, server time, id."""

    MSGID: ClassVar[MsgId] = MsgId.ONE_CHAT

    id: int
    name: str
    toid: int
    msg: str
    time: str
    mid: int
    ts: int
    seq: int = 0
    """The recipient's delivery sequence number; 0 where it has none (history, echoes)."""

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        return _chat_wire(self, MsgId.ONE_CHAT, "toid", self.toid, dialect)

    @classmethod
    def from_wire(cls, f: Fields) -> ChatMessage:
        sender, name, text, time, mid, ts, seq = _chat_fields(f)
        return cls(sender, name, f.req_int("toid"), text, time, mid, ts, seq)


@dataclass(frozen=True, slots=True)
class GroupMessage:
    """A group message as delivered to every member but the sender."""

    MSGID: ClassVar[MsgId] = MsgId.GROUP_CHAT

    id: int
    name: str
    groupid: int
    msg: str
    time: str
    mid: int
    ts: int
    seq: int = 0

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        return _chat_wire(self, MsgId.GROUP_CHAT, "groupid", self.groupid, dialect)

    @classmethod
    def from_wire(cls, f: Fields) -> GroupMessage:
        sender, name, text, time, mid, ts, seq = _chat_fields(f)
        return cls(sender, name, f.req_int("groupid"), text, time, mid, ts, seq)


Chat = ChatMessage | GroupMessage


def chat_from_wire(f: Fields) -> Chat:
    """A chat in a list that holds both kinds (offline messages, a page of history)."""
    if f.obj.get("msgid") == MsgId.GROUP_CHAT:
        return GroupMessage.from_wire(f)
    return ChatMessage.from_wire(f)


def _chat_wire(chat: Chat, msgid: MsgId, target: str, target_id: int, dialect: Dialect) -> Wire:
    """A chat as the original sent it, and in the current protocol with its ids and time."""
    obj: Wire = {
        "msgid": msgid,
        "id": chat.id,
        "name": chat.name,
        target: target_id,
        "msg": chat.msg,
        "time": chat.time,
    }
    if dialect is Dialect.V2:
        obj["mid"] = chat.mid
        obj["ts"] = chat.ts
        if chat.seq:
            obj["seq"] = chat.seq
    return obj


def _chat_fields(f: Fields) -> tuple[int, str, str, str, int, int, int]:
    """What both kinds share, in the order they are checked: sender id and name, text,
    time, mid, ts, seq."""
    sender, name, text = f.req_int("id"), f.req_str("name"), f.req_str("msg")
    time, mid, ts = f.opt_str("time") or "", f.opt_int("mid") or 0, f.opt_int("ts") or 0
    return sender, name, text, time, mid, ts, f.opt_int("seq") or 0
