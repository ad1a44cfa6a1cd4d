"""Backoff: how long to wait before each reconnection attempt, growing and jittered, and
which refusals end the attempts."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from chatapp.protocol import Errno

Sleep = Callable[[float], Awaitable[None]]

# A login refused for these reasons will not succeed by trying again.
FINAL_LOGIN_ERRORS = frozenset({Errno.BAD_CREDENTIALS, Errno.NO_SUCH_USER})


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential delays capped at `cap`, each scaled by a random factor in [1 - jitter, 1].

    Jitter keeps a crowd of clients dropped by one server restart from reconnecting in step.
    """

    base: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    jitter: float = 0.5
    rand: Callable[[], float] = field(default=random.random, repr=False)

    def delay(self, attempt: int) -> float:
        """The wait before attempt number `attempt` (0 for the first retry)."""
        ceiling = min(self.cap, self.base * self.factor ** min(attempt, 64))
        return ceiling * (1.0 - self.jitter * self.rand())
