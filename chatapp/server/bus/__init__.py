"""Message buses, chosen by the scheme of a URL."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from .base import DOORBELL, Bus, Deliver, Delivery, Doorbell
from .memory import MemoryBus

BACKENDS: dict[str, Callable[[str], Bus]] = {"memory": MemoryBus.from_url}


def open_bus(url: str) -> Bus:
    """The bus for `url` (memory:// or, with the cluster work, redis://host:6379/0)."""
    scheme = urlsplit(url).scheme
    factory = BACKENDS.get(scheme)
    if factory is None:
        raise ValueError(f"unknown bus URL scheme {scheme!r}; use one of {sorted(BACKENDS)}")
    return factory(url)


__all__ = [
    "BACKENDS",
    "DOORBELL",
    "Bus",
    "Deliver",
    "Delivery",
    "Doorbell",
    "MemoryBus",
    "open_bus",
]
