"""Conversation: one chat's messages, each once and in server order, and how far back they go."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    """Who a conversation is with: one user or a group."""

    USER = "user"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class ConvKey:
    """Names a conversation; its text form (`user-3`, `group-7`) is the sidebar option id."""

    kind: Kind
    id: int

    def __str__(self) -> str:
        return f"{self.kind}-{self.id}"

    @classmethod
    def parse(cls, text: str) -> ConvKey:
        kind, _, number = text.partition("-")
        return cls(Kind(kind), int(number))


class Delivery(StrEnum):
    """Where a message stands: received from someone, or one of ours pending, sent or failed."""

    RECEIVED = "received"
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(slots=True, eq=False)
class Line:
    """One message in a conversation; `mid` is the server's id for it, 0 until it has one."""

    sender_id: int
    sender: str
    text: str
    when: datetime
    own: bool = False
    delivery: Delivery = Delivery.RECEIVED
    serial: int = 0
    note: str = ""
    mid: int = 0


@dataclass(slots=True)
class Paging:
    """How far back the server's history of a conversation has been loaded."""

    started: bool = False
    """The newest page was asked for: it is asked once, when the conversation first opens."""
    loading: bool = False
    before: int | None = None
    """The oldest mid a page brought: the next page ends below it."""
    complete: bool = False
    """The server has nothing older: this is the beginning of the conversation."""
    error: str = ""


@dataclass(slots=True)
class Conversation:
    """The messages exchanged with one user or in one group, and how many are unread.

    Lines are ordered by mid, whichever way they came (pushed, at login, from history);
    our own lines still waiting for their mid stay last.
    """

    key: ConvKey
    title: str
    lines: list[Line] = field(default_factory=list)
    unread: int = 0
    paging: Paging = field(default_factory=Paging)
    _by_mid: dict[int, Line] = field(default_factory=dict, repr=False)

    def add(self, new: list[Line]) -> list[Line]:
        """Files lines (oldest first) in mid order; returns those not here already."""
        fresh = []
        for line in new:
            if line.mid and line.mid in self._by_mid:
                continue
            if line.mid:
                self._by_mid[line.mid] = line
            fresh.append(line)
        numbered = sorted((line for line in fresh if line.mid), key=lambda line: line.mid)
        if numbered:
            self._place(numbered)
        if unnumbered := [line for line in fresh if not line.mid]:
            tail = self._tail()
            self.lines[tail:tail] = unnumbered
        return fresh

    def confirm(self, line: Line, mid: int) -> bool:
        """Gives one of our lines the mid the server took it under; False if the line went
        away instead, because a copy with that mid (from history) was here first."""
        self._remove(line)
        if mid in self._by_mid:
            return False
        line.mid = mid
        self._by_mid[mid] = line
        self._place([line])
        return True

    def _tail(self) -> int:
        """Where our lines still waiting for a mid begin."""
        tail = len(self.lines)
        while tail and _waiting(self.lines[tail - 1]):
            tail -= 1
        return tail

    def _place(self, new: list[Line]) -> None:
        """Files lines that have mids, sorted by mid, among the rest."""
        lines, tail = self.lines, self._tail()
        newest = next((lines[p].mid for p in range(tail - 1, -1, -1) if lines[p].mid), 0)
        if new[0].mid > newest:
            lines[tail:tail] = new  # the usual case: newer than everything shown
            return
        merged: list[Line] = []
        waiting = iter(new)
        pending = next(waiting, None)
        for line in lines[:tail]:
            # A line without a mid keeps its place after the line it followed.
            while line.mid and pending is not None and pending.mid < line.mid:
                merged.append(pending)
                pending = next(waiting, None)
            merged.append(line)
        if pending is not None:
            merged.append(pending)
        merged.extend(waiting)
        lines[:tail] = merged

    def _remove(self, line: Line) -> None:
        # Our pending lines sit at the end, so the search starts there.
        for position in range(len(self.lines) - 1, -1, -1):
            if self.lines[position] is line:
                del self.lines[position]
                return


def _waiting(line: Line) -> bool:
    return line.mid == 0 and line.delivery is Delivery.PENDING
