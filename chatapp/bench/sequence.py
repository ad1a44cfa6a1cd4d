"""What a bench connection counts of its delivery sequence, and when it acknowledges."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class AckPolicy:
    """When the bench tells the server which deliveries it holds (DELIVERED)."""

    every: int = 64
    delay: float = 0.0
    """0: when the receive loop goes idle (after each read), as an interactive client does."""


@dataclass(slots=True)
class DeliveryStats:
    """Delivery sequence numbers seen by every connection of a run."""

    chats: int = 0
    without_seq: int = 0
    redelivered: int = 0
    """Deliveries that came again (seq already held); a client shows them once, and so
    the scenarios never see them."""
    out_of_order: int = 0
    acks_sent: int = 0
    backlog: int = 0
    """Deliveries waiting at login: left over from an earlier run."""

    def to_json(self, gaps: int) -> Json:
        return {
            "chats": self.chats,
            "seq_seen": self.chats > self.without_seq,
            "without_seq": self.without_seq,
            "redelivered": self.redelivered,
            "out_of_order_seq": self.out_of_order,
            "gaps_at_end": gaps,
            "acks_sent": self.acks_sent,
            "backlog_at_login": self.backlog,
        }
