"""How both backends keep the confusable skeletons of names (migration 004): the SHA-256
of the skeleton, in hex, claimed once by a user or a group."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

Skeleton = Callable[[str], str]
"""What makes a name's skeleton (the server's text.skeleton)."""


def skeleton_key(skeleton: str) -> str:
    """The value kept for a skeleton: fixed-length, so a primary key in every backend."""
    return hashlib.sha256(skeleton.encode()).hexdigest()


UNCLAIMED_USERS = (
    "SELECT u.id, u.name FROM users u LEFT JOIN name_skeletons s ON s.user_id = u.id"
    " WHERE s.user_id IS NULL"
)
UNCLAIMED_GROUPS = (
    "SELECT g.id, g.name FROM chat_groups g LEFT JOIN name_skeletons s ON s.group_id = g.id"
    " WHERE s.group_id IS NULL"
)
"""The users and groups whose names have no skeleton row: from before migration 004, or
grandfathered look-alikes of another name."""
