"""The bus tests' fixtures."""

from tests.server.bus.kit import bus_url, make_bus

__all__ = ["bus_url", "make_bus"]
