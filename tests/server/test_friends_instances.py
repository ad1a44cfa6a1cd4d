"""Friend requests between two instances sharing MySQL and Redis: FRIEND_EVENT crosses the
bus, and each side's presence follows the friendship as it is accepted and ended,
wherever the two are logged in."""

from __future__ import annotations

import pytest

from chatapp.protocol import MsgId
from tests.server.lab import two_instances
from tests.server.steps import acked, chat, friend_event, relogin

pytestmark = [pytest.mark.mysql, pytest.mark.redis]


async def test_requests_and_unfriending_cross_instances(mysql_url: str, redis_url: str) -> None:
    async with two_instances(mysql_url, redis_url) as (here, there):
        ann, bob = await here.register("ann"), await there.register("bob")
        a, _ = await here.login(ann)
        b, _ = await there.login(bob)

        assert (await acked(a, MsgId.FRIEND_REQUEST, to=bob))["state"] == "requested"
        await friend_event(b, "request", ann)
        # No presence yet: ann's next message is bob's chat, not his going and coming.
        b, _ = await relogin(there, b, bob)
        await chat(b, ann, "after my relogin")
        assert (await a.recv())["msg"] == "after my relogin"

        reply = await acked(b, MsgId.FRIEND_REQUEST, to=ann)  # asking back accepts
        assert (reply["state"], reply["friend"]["state"]) == ("friends", "online")
        assert (await friend_event(a, "accepted", bob))["state"] == "online"
        b, _ = await relogin(there, b, bob)
        assert [(await a.expect(MsgId.PRESENCE))["state"] for _ in "12"] == ["offline", "online"]

        await acked(a, MsgId.UNFRIEND, friendid=bob)
        await friend_event(b, "removed", ann)
        b, _ = await relogin(there, b, bob)  # ann no longer hears bob
        await chat(b, ann, "after unfriending")
        assert (await a.recv())["msg"] == "after unfriending"
        a, _ = await relogin(here, a, ann)  # nor bob ann
        await chat(a, bob, "me too")
        assert (await b.recv())["msg"] == "me too"
