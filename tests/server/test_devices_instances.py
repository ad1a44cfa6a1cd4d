"""Several devices of one account spread over two instances on one MySQL database and one
bus (one Redis, or a Redis Cluster): each device gets every delivery exactly once,
wherever it is; the user's own chats cross as SENT; ending a device reaches its session
on the other instance; presence is one per user; the legacy rule holds across instances."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chatapp.protocol import Errno, MsgId
from tests.server.conftest import Users
from tests.server.lab import two_instances
from tests.server.steps import Obj, acked, chat, make_friends
from tests.server.test_devices import device
from tests.wire import WireClient

pytestmark = pytest.mark.mysql


@pytest.fixture
async def two(mysql_url: str, redis_bus_url: str) -> AsyncIterator[tuple[Users, Users]]:
    async with two_instances(mysql_url, redis_bus_url) as pair:
        yield pair


async def chats(client: WireClient, count: int) -> list[Obj]:
    """The next `count` chats (ONE_CHAT, GROUP_CHAT or SENT), passing over notices."""
    found: list[Obj] = []
    while len(found) < count:
        obj = await client.recv()
        if obj["msgid"] in (MsgId.ONE_CHAT, MsgId.GROUP_CHAT, MsgId.SENT):
            found.append(obj)
    return found


async def test_three_devices_on_two_instances_each_get_everything_once(
    two: tuple[Users, Users],
) -> None:
    here, there = two
    ann, bob = await here.register("ann"), await here.register("bob")
    phone, _ = await device(here, ann, "phone")
    laptop, _ = await device(there, ann, "laptop")
    tablet, _ = await device(here, ann, "tablet")
    b, _ = await there.login(bob)
    group = (await acked(b, MsgId.CREATE_GROUP, groupname="g", groupdesc="d"))["groupid"]
    await acked(phone, MsgId.ADD_GROUP, groupid=group)

    sent = [await chat(b, ann, f"one {i}") for i in range(5)]
    sent.append(int((await acked(b, MsgId.GROUP_CHAT, groupid=group, msg="to all"))["mid"]))
    mine = await chat(laptop, bob, "from the laptop")
    mine_in_group = (await acked(tablet, MsgId.GROUP_CHAT, groupid=group, msg="tablet"))["mid"]
    own = {phone: set(), laptop: {mine}, tablet: {mine_in_group}}  # what each one sent
    for client, sent_here in own.items():
        carbons = {mine, mine_in_group} - sent_here  # the others' chats come as SENT
        got = await chats(client, len(sent) + len(carbons))
        assert [m["mid"] for m in got if m["msgid"] != MsgId.SENT] == sent
        assert {m["mid"] for m in got if m["msgid"] == MsgId.SENT} == carbons
        seqs = [m["seq"] for m in got]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        await client.send(msgid=MsgId.DELIVERED, seq=seqs[-1])
        await client.quiet()  # nothing twice


async def test_a_device_ended_from_another_instance_is_closed(two: tuple[Users, Users]) -> None:
    here, there = two
    ann = await here.register("ann")
    phone, phone_ack = await device(here, ann, "phone")
    laptop, _ = await device(there, ann, "laptop")
    listed = (await acked(laptop, MsgId.DEVICES))["devices"]
    assert [(d["name"], d["online"]) for d in listed] == [("phone", True), ("laptop", True)]
    await acked(laptop, MsgId.END_DEVICE, device=phone_ack["device"]["id"])
    assert (await phone.expect(MsgId.DEVICE_EVENT))["event"] == "added"
    assert (await phone.expect(MsgId.ERROR))["errno"] == Errno.NOT_LOGGED_IN
    assert await phone.closed()
    listed = (await acked(laptop, MsgId.DEVICES))["devices"]
    assert [(d["name"], d["online"]) for d in listed] == [("laptop", True)]


async def test_a_resumed_device_takes_over_across_instances(two: tuple[Users, Users]) -> None:
    here, there = two
    ann, bob = await here.register("ann"), await here.register("bob")
    old, ack = await device(here, ann, "phone")
    b, _ = await there.login(bob)
    new = await there.connect()
    again = await new.request(msgid=MsgId.LOGIN, token=ack["token"], v=2)
    assert again["errno"] == 0 and again["device"]["id"] == ack["device"]["id"]
    assert (await old.expect(MsgId.ERROR))["errno"] == Errno.NOT_LOGGED_IN
    assert await old.closed()
    await chat(b, ann, "to the new session")
    assert (await new.expect(MsgId.ONE_CHAT))["msg"] == "to the new session"
    listed = (await acked(new, MsgId.DEVICES))["devices"]
    assert [(d["name"], d["online"]) for d in listed] == [("phone", True)]


async def test_presence_is_one_per_user_across_instances(two: tuple[Users, Users]) -> None:
    here, there = two
    ann, bob = await here.register("ann"), await here.register("bob")
    b, _ = await here.login(bob)
    phone, _ = await device(here, ann, "phone")
    await make_friends(phone, ann, b, bob)
    laptop, _ = await device(there, ann, "laptop")
    await b.quiet()
    await acked(phone, MsgId.LOGOUT)
    await b.quiet()
    await acked(laptop, MsgId.LOGOUT)
    gone = await b.expect(MsgId.PRESENCE)
    assert (gone["id"], gone["state"]) == (ann, "offline")


async def test_a_legacy_login_is_refused_while_a_device_is_online_elsewhere(
    two: tuple[Users, Users],
) -> None:
    here, there = two
    ann = await here.register("ann")
    phone, _ = await device(here, ann, "phone")
    console = await there.connect(legacy=True)
    await console.send(msgid=MsgId.LOGIN, id=ann, password="pw")
    assert (await console.expect(MsgId.LOGIN_ACK))["errno"] == Errno.ALREADY_ONLINE
    await acked(phone, MsgId.LOGOUT)
    console, _ = await there.login(ann, legacy=True)
    other = await here.connect(legacy=True)
    await other.send(msgid=MsgId.LOGIN, id=ann, password="pw")
    assert (await other.expect(MsgId.LOGIN_ACK))["errno"] == Errno.ALREADY_ONLINE
