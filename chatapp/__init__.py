"""chatapp: a compact self-hosted chat server and terminal client."""

__version__ = "0.1.0"
