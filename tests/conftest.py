"""Fixtures shared by every test package."""

pytest_plugins = [
    "tests.services",
    "tests.redis_service",
    "tests.redis_cluster_service",
    "tests.server.lab",
]
