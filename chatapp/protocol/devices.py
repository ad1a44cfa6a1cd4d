"""Several devices of one account: the copy of a chat sent from another of the user's
devices (SENT), the session list (DEVICES), ending a device (END_DEVICE) and the notice
that a device came or was ended (DEVICE_EVENT)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .chats import Chat, ChatMessage, GroupMessage
from .codes import Dialect, MsgId
from .errors import Rid
from .fields import Fields
from .parts import Wire, optional, with_rid

DEVICE_EVENTS = ("added", "ended")
"""What DEVICE_EVENT tells: a device logged in for the first time, or was ended."""


@dataclass(frozen=True, slots=True)
class Sent:
    """SENT (current protocol): a chat the user sent from another of their devices, with
    its delivery number in the user's own sequence (`chat.seq`), so that each device shows
    the whole conversation. `chat.id` is the user; `toid` or `groupid` says where it went."""

    MSGID: ClassVar[MsgId] = MsgId.SENT

    chat: Chat

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        obj = self.chat.to_wire(Dialect.V2)
        obj["msgid"] = MsgId.SENT
        return obj

    @classmethod
    def from_wire(cls, f: Fields) -> Sent:
        if f.obj.get("groupid") is not None:
            return cls(GroupMessage.from_wire(f))
        return cls(ChatMessage.from_wire(f))

    @property
    def seq(self) -> int:
        return self.chat.seq


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """A device as DEVICES lists it: its id and name, where it last logged in from, when it
    first did and was last seen (epoch milliseconds), whether it has a session now, whether
    it is the device asking (`current`), and whether it is the account's legacy device."""

    id: int
    name: str
    since: int = 0
    seen: int = 0
    address: str = ""
    online: bool = False
    current: bool = False
    legacy: bool = False

    def to_wire(self) -> Wire:
        obj: Wire = {"id": self.id, "name": self.name, "since": self.since, "seen": self.seen}
        obj["address"] = self.address
        obj["online"] = self.online
        for key in ("current", "legacy"):
            if getattr(self, key):
                obj[key] = True
        return obj

    @classmethod
    def from_wire(cls, f: Fields) -> DeviceInfo:
        return cls(
            id=f.req_int("id"),
            name=f.req_str("name"),
            since=f.opt_int("since") or 0,
            seen=f.opt_int("seen") or 0,
            address=f.opt_str("address") or "",
            online=f.flag("online"),
            current=f.flag("current"),
            legacy=f.flag("legacy"),
        )


@dataclass(frozen=True, slots=True)
class ListDevices:
    """DEVICES: the account's devices (its sessions, live or resumable); the ACK carries
    them under `devices`, the one asking marked `current`."""

    MSGID: ClassVar[MsgId] = MsgId.DEVICES

    rid: Rid = None

    def to_wire(self) -> Wire:
        return with_rid({"msgid": MsgId.DEVICES}, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> ListDevices:
        return cls(rid=f.rid)


@dataclass(frozen=True, slots=True)
class EndDevice:
    """END_DEVICE: ends device `device` of the account, or, with `others`, every device
    but the one asking: their sessions close and their resume tokens stop working."""

    MSGID: ClassVar[MsgId] = MsgId.END_DEVICE

    device: int | None = None
    others: bool = False
    rid: Rid = None

    def to_wire(self) -> Wire:
        obj = optional({"msgid": MsgId.END_DEVICE}, device=self.device)
        if self.others:
            obj["others"] = True
        return with_rid(obj, self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> EndDevice:
        req = cls(device=f.opt_int("device"), others=f.flag("others"), rid=f.rid)
        if (req.device is None) == (not req.others):
            raise f.fail("END_DEVICE needs exactly one of 'device' and 'others'")
        return req


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    """DEVICE_EVENT (current protocol), to each of the user's sessions: `device` logged in
    for the first time (`added`) or was ended (`ended`)."""

    MSGID: ClassVar[MsgId] = MsgId.DEVICE_EVENT

    event: str
    device: DeviceInfo

    def to_wire(self, dialect: Dialect = Dialect.V2) -> Wire:
        return {"msgid": MsgId.DEVICE_EVENT, "event": self.event, "device": self.device.to_wire()}

    @classmethod
    def from_wire(cls, f: Fields) -> DeviceEvent:
        device = f.opt_sub("device")
        if device is None:
            raise f.fail("field 'device' is missing")
        event = f.req_str("event")
        if event not in DEVICE_EVENTS:
            raise f.fail(f"field 'event' must be one of {', '.join(DEVICE_EVENTS)}")
        return cls(event, DeviceInfo.from_wire(device))
