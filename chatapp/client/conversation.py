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
    seen: bool = False
    """One of ours that the peer has read (one-to-one, as their RECEIPT said): ✓✓."""


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
    read: int | None = None
    """The user's read marker, a mid (CONVERSATIONS, READ, RECEIPT own); None: not known."""
    last: int = 0
    """The newest mid the server listed for it at login (CONVERSATIONS): the sidebar's order."""
    peer_read: int = 0
    """How far the peer, or a member of the group, has read (heard live, RECEIPT): our
    lines up to it are seen."""
    _by_mid: dict[int, Line] = field(default_factory=dict, repr=False)
    _boundary: int | None = field(default=None, repr=False)
    """While open: the divider goes above the first message of others after this mid."""
    _counting: int = field(default=0, repr=False)
    """Unread when opened, its marker not known: the divider counts back this many."""

    # --- Reading ---------------------------------------------------------------------------

    def open(self, again: bool = False) -> None:
        """The conversation is opened, and its unread messages read: the divider goes above
        the first of them. Opened `again` while open, the divider stays where it was."""
        if not again:
            known = self.read is not None and self.unread > 0
            self._boundary = self.read if known else None
            self._counting = 0 if known else self.unread
        self.unread = 0

    def divider(self) -> int:
        """The mid of the first unread message of the opening, which the divider sits above;
        0 for none. Its marker not known, it counts back the unread messages once the
        history is in (the oldest loaded one where fewer came)."""
        theirs = [line.mid for line in self.lines if line.mid and not line.own]
        if self._boundary is None and self._counting and theirs and not self.paging.loading:
            self._boundary = theirs[max(0, len(theirs) - self._counting)] - 1
        if self._boundary is None:
            return 0
        return next((mid for mid in theirs if mid > self._boundary), 0)

    def newest_theirs(self) -> int:
        """The mid of the newest message from others here: what the user reads up to."""
        return next((ln.mid for ln in reversed(self.lines) if ln.mid and not ln.own), 0)

    def marked(self, mid: int) -> None:
        """The user's read marker moved up to `mid` (never back)."""
        self.read = max(self.read or 0, mid)

    def read_elsewhere(self, mid: int) -> None:
        """Another device of the user's read up to `mid`: what was unread up to it is not,
        and the divider goes."""
        self.marked(mid)
        read = self.read or mid
        self.unread = min(self.unread, sum(1 for ln in self.lines if ln.mid > read and not ln.own))
        self._boundary, self._counting = None, 0

    def peer_saw(self, mid: int) -> list[Line]:
        """The peer read up to `mid`: our lines up to it are seen; those that just became so."""
        self.peer_read = max(self.peer_read, mid)
        fresh = [ln for ln in self.lines if ln.own and not ln.seen and 0 < ln.mid <= mid]
        for line in fresh:
            line.seen = True
        return fresh

    def add(self, new: list[Line]) -> list[Line]:
        """Files lines (oldest first) in mid order; returns those not here already."""
        fresh = []
        for line in new:
            if line.mid and line.mid in self._by_mid:
                continue
            if line.mid:
                self._by_mid[line.mid] = line
                line.seen = line.seen or (line.own and line.mid <= self.peer_read)
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
        line.seen = mid <= self.peer_read
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
