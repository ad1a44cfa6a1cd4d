"""A user's privacy settings: who may message them, whether a name search finds them,
whether others see that they read; and SETTINGS, the request that reads and changes them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .codes import MsgId
from .errors import Rid
from .fields import Fields
from .parts import Wire, optional, with_rid

STRANGERS = ("everyone", "requests", "nobody")
"""Who may message a user who is not their friend: anyone; anyone, but their messages are
kept apart as message requests until the user answers; nobody."""


@dataclass(frozen=True, slots=True)
class SettingsInfo:
    """A user's privacy settings, as the LOGIN_ACK and the ACK of SETTINGS carry them:
    `strangers` (one of STRANGERS), `findable` (may a search by name prefix list them),
    `receipts` (are their read markers shown to others)."""

    strangers: str = "everyone"
    findable: bool = True
    receipts: bool = True

    def to_wire(self) -> Wire:
        return {"strangers": self.strangers, "findable": self.findable, "receipts": self.receipts}

    @classmethod
    def from_wire(cls, f: Fields) -> SettingsInfo:
        return cls(
            strangers=f.opt_str("strangers") or "everyone",
            findable=f.opt_bool("findable") is not False,
            receipts=f.opt_bool("receipts") is not False,
        )


@dataclass(frozen=True, slots=True)
class ChangeSettings:
    """Changes the settings named (the others stay); with none, only reads them. The ACK
    carries all of them, as they now are."""

    MSGID: ClassVar[MsgId] = MsgId.SETTINGS

    strangers: str | None = None
    findable: bool | None = None
    receipts: bool | None = None
    rid: Rid = None

    def to_wire(self) -> Wire:
        fields = {"strangers": self.strangers, "findable": self.findable}
        fields["receipts"] = self.receipts
        return with_rid(optional({"msgid": MsgId.SETTINGS}, **fields), self.rid)

    @classmethod
    def from_wire(cls, f: Fields) -> ChangeSettings:
        strangers = f.opt_str("strangers")
        if strangers is not None and strangers not in STRANGERS:
            raise f.fail(f"field 'strangers' must be one of {', '.join(STRANGERS)}")
        findable, receipts = f.opt_bool("findable"), f.opt_bool("receipts")
        return cls(strangers=strangers, findable=findable, receipts=receipts, rid=f.rid)
