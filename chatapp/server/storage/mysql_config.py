"""MySQLConfig: where a MySQL database is and how many connections to keep, from a mysql:// URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

_OPTIONS: dict[str, Callable[[str], float]] = {
    "pool_min": int,
    "pool_max": int,
    "connect_timeout": float,
    "pool_recycle": float,
}


@dataclass(frozen=True, slots=True)
class MySQLConfig:
    """The parts of a mysql:// URL; the options are described in `chatapp.server.storage.mysql`."""

    database: str
    host: str = "127.0.0.1"
    port: int = 3306
    user: str | None = None
    password: str = ""
    pool_min: int = 1
    pool_max: int = 10
    connect_timeout: float = 5.0
    pool_recycle: float = 3600.0

    @classmethod
    def from_url(cls, url: str) -> MySQLConfig:
        """Reads mysql://user:password@host:port/dbname?option=value&...; raises ValueError."""
        parts = urlsplit(url)
        database = unquote(parts.path.lstrip("/"))
        if parts.scheme != "mysql" or not database or "/" in database:
            raise ValueError("a MySQL URL looks like mysql://user:password@host:3306/chatapp")
        options: dict[str, Any] = {}
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key not in _OPTIONS:
                raise ValueError(f"unknown MySQL URL option {key!r}; known: {sorted(_OPTIONS)}")
            options[key] = _OPTIONS[key](value)
        config = cls(
            database,
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password or ""),
            **options,
        )
        if not 0 <= config.pool_min <= config.pool_max or config.pool_max < 1:
            raise ValueError("a MySQL URL needs 0 <= pool_min <= pool_max and pool_max >= 1")
        if config.connect_timeout <= 0:
            raise ValueError("a MySQL URL needs connect_timeout > 0")
        return config

    @property
    def where(self) -> str:
        """The database for messages and logs, without the password."""
        return f"mysql://{self.host}:{self.port}/{self.database}"
