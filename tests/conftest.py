"""Fixtures shared by every test package."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

pytest_plugins = [
    "tests.services",
    "tests.redis_service",
    "tests.redis_cluster_service",
    "tests.server.lab",
]


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The common umask, under which a file made without care is readable by everyone."""
    old = os.umask(0o022)
    yield
    os.umask(old)
