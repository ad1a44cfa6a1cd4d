"""Who is typing: others' TYPING notices per conversation until they expire, and when the
user's own notice may go out (the protocol's rate: 0.5 a second, a burst of 3); no Textual."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from chatapp.protocol import Typing, TypingNotice

from .conversation import ConvKey, Kind

SENT_EVERY = 3.0
"""Seconds between our notices to one conversation while the user goes on typing: the
protocol asks for one at the start and again "every few seconds"."""

QUIET_BETWEEN = 2.0
"""Seconds between any two of our notices: the server's --typing-rate is 0.5 a second, so
hopping between conversations never runs into its refusals."""

LASTS = 6.0
"""Seconds a notice shows; the typist's client renews it every few seconds while they type,
and it has no "stopped" message: a notice not renewed means they stopped."""

LONGEST_NAME = 20
"""Characters of a name shown in the typing line, so that it fits a narrow screen."""


def request(key: ConvKey) -> Typing:
    """The TYPING request for conversation `key`."""
    return Typing(peer=key.id) if key.kind is Kind.USER else Typing(groupid=key.id)


@dataclass
class Throttle:
    """Decides when the user's typing is worth a notice."""

    clock: Callable[[], float] = time.monotonic
    _last: dict[ConvKey, float] = field(default_factory=dict)
    _any: float = -math.inf

    def due(self, key: ConvKey) -> bool:
        """Whether to send a notice for typing in `key` now; if so, it counts as sent."""
        now = self.clock()
        if now - self._last.get(key, -math.inf) < SENT_EVERY or now - self._any < QUIET_BETWEEN:
            return False
        self._last[key] = self._any = now
        return True

    def stopped(self, key: ConvKey) -> None:
        """The composer was sent or emptied: the next keystroke there starts anew."""
        self._last.pop(key, None)


@dataclass
class Typists:
    """Others typing, per conversation: their names and when each notice runs out."""

    clock: Callable[[], float] = time.monotonic
    _typing: dict[ConvKey, dict[int, tuple[str, float]]] = field(default_factory=dict)

    def heard(self, notice: TypingNotice, me: int) -> ConvKey | None:
        """Files a notice; the conversation it is about, or None for our own (another device
        of ours typing is no news)."""
        if notice.sender.id == me:
            return None
        if notice.groupid is not None:
            key = ConvKey(Kind.GROUP, notice.groupid)
        else:
            key = ConvKey(Kind.USER, notice.peer or notice.sender.id)
        name = notice.sender.name or f"user {notice.sender.id}"
        self._typing.setdefault(key, {})[notice.sender.id] = (name, self.clock() + LASTS)
        return key

    def stopped(self, key: ConvKey, user_id: int) -> bool:
        """Their message came: they are done typing it. Whether they were shown typing."""
        return self._typing.get(key, {}).pop(user_id, None) is not None

    def names(self, key: ConvKey) -> list[str]:
        """Who is typing in `key` now, in the order they started; expired notices go."""
        now, typing = self.clock(), self._typing.get(key, {})
        for user_id in [u for u, (_, until) in typing.items() if until <= now]:
            del typing[user_id]
        return [name for name, _ in typing.values()]

    def line(self, key: ConvKey | None) -> str:
        """The typing line for `key`: empty when nobody types there."""
        names = [_short(name) for name in self.names(key)] if key is not None else []
        if not names:
            return ""
        if len(names) == 1:
            return f"{names[0]} is typing…"
        if len(names) == 2:
            return f"{names[0]} and {names[1]} are typing…"
        return f"{len(names)} people are typing…"


def _short(name: str) -> str:
    return name if len(name) <= LONGEST_NAME else name[: LONGEST_NAME - 1] + "…"
