"""Short request sequences that many end-to-end tests share, each checking its own reply."""

from __future__ import annotations

import re
import time
from typing import Any

import orjson
import pytest

from chatapp.protocol import Errno, MsgId
from tests.server.conftest import Users
from tests.wire import WireClient

Obj = dict[str, Any]

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
TIME_PATTERN = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
# How far a server time stamp may be from the test's clock (same machine, same clock).
CLOCK_SLACK_SECONDS = 60


async def online(users: Users, name: str, *, legacy: bool = False) -> tuple[int, WireClient]:
    """Registers `name` (password "pw") and logs it in on a new connection."""
    user_id = await users.register(name)
    client, _ = await users.login(user_id, legacy=legacy)
    return user_id, client


async def acked(client: WireClient, msgid: MsgId, **fields: Any) -> Obj:
    """Sends a current-protocol request that must succeed; returns its ACK."""
    reply = await client.request(msgid=msgid, **fields)
    assert reply["msgid"] == MsgId.ACK, reply
    assert (reply["re"], reply["errno"]) == (msgid, 0), reply
    return reply


async def refused(client: WireClient, msgid: MsgId, errno: Errno, **fields: Any) -> Obj:
    """Sends a current-protocol request that must be refused with ERROR `errno`."""
    reply = await client.request(msgid=msgid, **fields)
    assert reply["msgid"] == MsgId.ERROR, reply
    assert (reply["errno"], reply["re"]) == (errno, msgid), reply
    assert isinstance(reply["errmsg"], str) and reply["errmsg"], reply
    return reply


async def chat(client: WireClient, toid: int, msg: str) -> int:
    """Sends a one-to-one chat; returns the mid of its ACK."""
    return int((await acked(client, MsgId.ONE_CHAT, toid=toid, msg=msg))["mid"])


async def group_chat(client: WireClient, groupid: int, msg: str) -> int:
    """Sends a group chat; returns the mid of its ACK."""
    return int((await acked(client, MsgId.GROUP_CHAT, groupid=groupid, msg=msg))["mid"])


async def befriend(client: WireClient, friend_id: int) -> Obj:
    """Sends ADD_FRIEND (a friend request, or the answer to theirs); returns the friend as
    the ACK describes it."""
    friend = (await acked(client, MsgId.ADD_FRIEND, friendid=friend_id))["friend"]
    assert isinstance(friend, dict)
    return friend


async def friend_event(client: WireClient, event: str, user_id: int) -> Obj:
    """The next FRIEND_EVENT, which must tell `event` about user `user_id`."""
    notice = await client.expect(MsgId.FRIEND_EVENT)
    assert (notice["event"], notice["user"]["id"]) == (event, user_id), notice
    return notice


async def make_friends(
    asker: WireClient, asker_id: int, target: WireClient, target_id: int
) -> None:
    """`asker` asks `target` (both online, current protocol), who accepts; each side's
    FRIEND_EVENT is consumed."""
    await acked(asker, MsgId.FRIEND_REQUEST, to=target_id)
    await friend_event(target, "request", asker_id)
    await acked(target, MsgId.FRIEND_ANSWER, **{"from": asker_id, "accept": True})
    await friend_event(asker, "accepted", target_id)


async def new_group(client: WireClient, name: str, desc: str = "") -> int:
    """Creates a group; returns its id."""
    reply = await acked(client, MsgId.CREATE_GROUP, groupname=name, groupdesc=desc)
    return int(reply["groupid"])


async def join(client: WireClient, groupid: int) -> Obj:
    """Joins a group; returns the group as the ACK describes it."""
    group = (await acked(client, MsgId.ADD_GROUP, groupid=groupid))["group"]
    assert isinstance(group, dict)
    return group


PAGED = {
    MsgId.FRIENDS: "friends",
    MsgId.GROUPS: "groups",
    MsgId.MEMBERS: "members",
    MsgId.REQUESTS: "requests",
}


async def walk(client: WireClient, msgid: MsgId, **fields: Any) -> list[Obj]:
    """Every item of a list (FRIENDS, GROUPS or MEMBERS), asked for page after page, each
    after the last id of the one before, until a page says there is no more."""
    found: list[Obj] = []
    while True:
        after = {"after": found[-1]["id"]} if found else {}
        page = await acked(client, msgid, **fields, **after)
        found += page[PAGED[msgid]]
        if not page["more"]:
            return found


async def members(client: WireClient, groupid: int) -> list[Obj]:
    """Every member of a group, asked for with MEMBERS page after page."""
    return await walk(client, MsgId.MEMBERS, groupid=groupid)


async def logout(client: WireClient) -> None:
    """Logs the connection's user out; the connection stays open."""
    await acked(client, MsgId.LOGOUT)


async def relogin(users: Users, client: WireClient, user_id: int) -> tuple[WireClient, Obj]:
    """Logs out on `client`, closes it, and logs the user in again on a new connection."""
    await logout(client)
    await client.close()
    return await users.login(user_id)


async def acknowledge(client: WireClient, messages: list[Obj]) -> None:
    """Tells the server the client holds these deliveries (DELIVERED gets no reply)."""
    await client.send(msgid=MsgId.DELIVERED, seq=max(m["seq"] for m in messages))


def decoded(items: list[str]) -> list[Obj]:
    """A legacy list: every element is JSON text of its own."""
    assert all(isinstance(item, str) for item in items), items
    return [orjson.loads(item) for item in items]


def assert_exact(obj: Obj, expected: Obj) -> None:
    """The same keys, in the same order, with the same values."""
    assert obj == expected
    assert list(obj) == list(expected), f"key order {list(obj)} != {list(expected)}"


def assert_has(obj: Obj, expected: Obj) -> None:
    """Every expected key with its value; the current protocol may add optional fields."""
    assert {key: obj.get(key, "<missing>") for key in expected} == expected, obj


def assert_recent(stamp: str, ts_ms: int | None = None) -> None:
    """`stamp` is the server's local time now as YYYY-MM-DD HH:MM:SS (and `ts_ms` epoch ms)."""
    assert TIME_PATTERN.fullmatch(stamp), stamp
    seconds = time.mktime(time.strptime(stamp, TIME_FORMAT))
    assert abs(seconds - time.time()) < CLOCK_SLACK_SECONDS, stamp
    if ts_ms is not None:
        assert abs(ts_ms / 1000 - time.time()) < CLOCK_SLACK_SECONDS, ts_ms
        assert abs(ts_ms / 1000 - seconds) < 2, (stamp, ts_ms)


ONE_BACKEND = pytest.mark.parametrize("storage_url", ["sqlite"], indirect=True)
"""For checks of framing, decoding and dispatch that storage cannot change: one backend."""


async def heard(client: WireClient, *events: tuple[str, int]) -> list[Obj]:
    """The next objects are GROUP_EVENTs, each `(event, user id)` in this order."""
    found = [await client.expect(MsgId.GROUP_EVENT) for _ in events]
    assert [(e["event"], e["user"]["id"]) for e in found] == list(events), found
    return found
