"""Groups across two instances on one MySQL database and one Redis bus: every member hears
of a change wherever they are logged in, and a member removed on one instance stops
getting the group's chats on the other at once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chatapp.protocol import Errno, MsgId
from tests.server.conftest import Users
from tests.server.lab import two_instances
from tests.server.steps import acked, group_chat, heard, join, new_group, online, refused

pytestmark = [pytest.mark.mysql, pytest.mark.redis]


@pytest.fixture
async def two(mysql_url: str, redis_url: str) -> AsyncIterator[tuple[Users, Users]]:
    """Users of two instances that share storage and bus."""
    async with two_instances(mysql_url, redis_url) as pair:
        yield pair


async def test_events_and_removals_cross_instances(two: tuple[Users, Users]) -> None:
    here, there = two
    alice, a = await online(here, "alice")
    bob, b = await online(there, "bob")
    carol, c = await online(there, "carol")
    group = await new_group(a, "team")
    await join(b, group)
    await heard(a, ("joined", bob))
    await join(c, group)
    await heard(a, ("joined", carol))
    await heard(b, ("joined", carol))
    await group_chat(b, group, "before")
    for client in (a, c):
        assert (await client.expect(MsgId.GROUP_CHAT))["msg"] == "before"

    await acked(a, MsgId.REMOVE_MEMBER, groupid=group, userid=carol)
    (told,) = await heard(c, ("removed", carol))
    assert told["by"]["id"] == alice
    await heard(b, ("removed", carol))
    # The other instance knows at once: bob's next chat does not reach her.
    await group_chat(b, group, "after")
    assert (await a.expect(MsgId.GROUP_CHAT))["msg"] == "after"
    await c.quiet()
    await refused(c, MsgId.GROUP_CHAT, Errno.NOT_A_MEMBER, groupid=group, msg="x")
    await refused(c, MsgId.HISTORY, Errno.NOT_A_MEMBER, groupid=group)
