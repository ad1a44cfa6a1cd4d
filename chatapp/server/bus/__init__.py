"""Message buses, chosen by the scheme of a URL."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from .base import (
    DOORBELL,
    Attached,
    Bus,
    BusListener,
    BusUnavailable,
    Deliver,
    Delivery,
    Doorbell,
    Echo,
    EndSession,
    TieCut,
)
from .memory import MemoryBus


def _redis(url: str) -> Bus:
    from .redis import RedisBus

    return RedisBus.from_url(url)


def _redis_cluster(url: str) -> Bus:
    from .redis_cluster import RedisClusterBus

    return RedisClusterBus.from_url(url)


BACKENDS: dict[str, Callable[[str], Bus]] = {
    "memory": MemoryBus.from_url,
    "redis": _redis,
    "redis-cluster": _redis_cluster,
}


def open_bus(url: str) -> Bus:
    """The bus for `url`: memory://, redis://host:6379/0?prefix=...&lease=..., or
    redis-cluster://host:port,host:port/?prefix=...&lease=..."""
    scheme = urlsplit(url).scheme
    factory = BACKENDS.get(scheme)
    if factory is None:
        raise ValueError(f"unknown bus URL scheme {scheme!r}; use one of {sorted(BACKENDS)}")
    return factory(url)


__all__ = [
    "BACKENDS",
    "DOORBELL",
    "Attached",
    "Bus",
    "BusListener",
    "BusUnavailable",
    "Deliver",
    "Delivery",
    "Doorbell",
    "Echo",
    "EndSession",
    "MemoryBus",
    "TieCut",
    "open_bus",
]
