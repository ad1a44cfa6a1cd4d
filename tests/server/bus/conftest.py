"""The bus tests' fixtures."""

from tests.server.bus.kit import bus_url, make_bus, redis_bus_url

__all__ = ["bus_url", "make_bus", "redis_bus_url"]
