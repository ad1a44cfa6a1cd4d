"""Several devices of one account on one instance: every session gets every delivery once,
the user's own chats reach their other devices (SENT), each device keeps its position,
the session list, ending devices, take-over, presence once per user, and the legacy
dialect's rule of one session."""

from __future__ import annotations

from typing import Any

import pytest

from chatapp.protocol import Errno, MsgId
from tests.server.conftest import Users
from tests.server.steps import Obj, acked, chat, decoded, make_friends, refused
from tests.wire import WireClient


async def device(
    users: Users, user_id: int, name: str | None = None, **fields: Any
) -> tuple[WireClient, Obj]:
    """Logs the user in by password on a new connection, as a new device."""
    client = await users.connect()
    named = {"device": name} if name is not None else {}
    ack = await client.request(msgid=MsgId.LOGIN, id=user_id, password="pw", v=2, **named, **fields)
    assert ack["errno"] == 0, ack
    return client, ack


async def resume(users: Users, token: str, **fields: Any) -> tuple[WireClient, Obj]:
    client = await users.connect()
    ack = await client.request(msgid=MsgId.LOGIN, token=token, v=2, **fields)
    assert ack["errno"] == 0, ack
    return client, ack


async def test_every_device_gets_every_chat_once_and_its_own_as_sent(users: Users) -> None:
    ann, bob = await users.register("ann"), await users.register("bob")
    phone, phone_ack = await device(users, ann, "phone")
    laptop, laptop_ack = await device(users, ann, "laptop")
    assert phone_ack["device"]["name"] == "phone"
    assert laptop_ack["device"]["name"] == "laptop"
    assert phone_ack["device"]["id"] != laptop_ack["device"]["id"]
    added = await phone.expect(MsgId.DEVICE_EVENT)  # the phone hears of the laptop
    assert (added["event"], added["device"]["name"]) == ("added", "laptop")
    b, _ = await users.login(bob)

    await chat(b, ann, "hello both")
    one, two = await phone.expect(MsgId.ONE_CHAT), await laptop.expect(MsgId.ONE_CHAT)
    assert one["msg"] == two["msg"] == "hello both"
    assert one["seq"] == two["seq"]  # one sequence per user, one position per device

    answer = await acked(phone, MsgId.ONE_CHAT, toid=bob, msg="from my phone")
    mid = answer["mid"]
    assert (await b.expect(MsgId.ONE_CHAT))["mid"] == mid
    sent = await laptop.expect(MsgId.SENT)
    assert (sent["mid"], sent["id"], sent["toid"], sent["msg"]) == (mid, ann, bob, "from my phone")
    assert sent["seq"] == one["seq"] + 1 == answer["seq"]  # the phone holds its own copy
    await phone.quiet()  # its own chat is not sent back to it: it has the ACK
    await laptop.quiet()
    assert "seq" not in await acked(b, MsgId.ONE_CHAT, toid=ann, msg="bob has one device")


async def test_a_device_that_was_away_gets_what_it_missed(users: Users) -> None:
    ann, bob = await users.register("ann"), await users.register("bob")
    phone, _ = await device(users, ann, "phone")
    laptop, laptop_ack = await device(users, ann, "laptop")
    await phone.expect(MsgId.DEVICE_EVENT)
    b, _ = await users.login(bob)
    await chat(b, ann, "first")
    first = await phone.expect(MsgId.ONE_CHAT)
    assert (await laptop.expect(MsgId.ONE_CHAT))["msg"] == "first"
    await laptop.close()  # killed, never acknowledged

    for text in ("second", "third"):
        await chat(b, ann, text)
    seen = [await phone.expect(MsgId.ONE_CHAT) for _ in "23"]
    await phone.send(msgid=MsgId.DELIVERED, seq=seen[-1]["seq"])  # the phone holds all
    await phone.quiet()

    laptop, ack = await resume(users, laptop_ack["token"])
    assert ack["device"]["id"] == laptop_ack["device"]["id"]
    assert [m["msg"] for m in ack["offlinemsg"]] == ["first", "second", "third"]
    assert ack["offlinemsg"][0]["seq"] == first["seq"]
    await laptop.send(msgid=MsgId.DELIVERED, seq=ack["offlinemsg"][-1]["seq"])
    await laptop.quiet()
    await phone.quiet()  # nothing again for the phone


async def test_a_new_device_starts_where_the_latest_device_is(users: Users) -> None:
    ann, bob = await users.register("ann"), await users.register("bob")
    phone, _ = await device(users, ann, "phone")
    b, _ = await users.login(bob)
    await chat(b, ann, "seen on the phone")
    seen = await phone.expect(MsgId.ONE_CHAT)
    await phone.send(msgid=MsgId.DELIVERED, seq=seen["seq"])
    await phone.quiet()
    laptop, ack = await device(users, ann, "laptop")
    assert ack["offlinemsg"] == []  # what a device of the user has seen is history
    assert ack["last"] == seen["seq"]
    history = await acked(laptop, MsgId.HISTORY, peer=bob)
    assert [m["msg"] for m in history["messages"]] == ["seen on the phone"]


async def test_the_session_list_and_ending_a_device_from_another(users: Users) -> None:
    ann = await users.register("ann")
    phone, phone_ack = await device(users, ann, "phone")
    laptop, laptop_ack = await device(users, ann, "laptop")
    tablet, _ = await device(users, ann, "tablet")
    listed = (await acked(laptop, MsgId.DEVICES))["devices"]
    assert [(d["name"], d["online"], d.get("current", False)) for d in listed] == [
        ("phone", True, False),
        ("laptop", True, True),
        ("tablet", True, False),
    ]
    assert all(d["since"] > 0 and d["seen"] > 0 and d["address"] for d in listed)

    await acked(laptop, MsgId.END_DEVICE, device=phone_ack["device"]["id"])
    for name in ("laptop", "tablet"):  # the phone heard them come
        assert (await phone.expect(MsgId.DEVICE_EVENT))["device"]["name"] == name
    ended = await phone.expect(MsgId.ERROR)
    assert ended["errno"] == Errno.NOT_LOGGED_IN
    assert await phone.closed()
    notice = await tablet.recv()  # the tablet heard the laptop come, then the phone go
    while notice["msgid"] == MsgId.DEVICE_EVENT and notice["event"] == "added":
        notice = await tablet.recv()
    assert (notice["msgid"], notice["event"]) == (MsgId.DEVICE_EVENT, "ended")
    assert notice["device"]["id"] == phone_ack["device"]["id"]
    again = await users.connect()
    reply = await again.request(msgid=MsgId.LOGIN, token=phone_ack["token"], v=2)
    assert reply["errno"] == Errno.BAD_CREDENTIALS  # its token went with it

    await refused(
        laptop, MsgId.END_DEVICE, Errno.INVALID_ARGUMENT, device=laptop_ack["device"]["id"]
    )
    await refused(laptop, MsgId.END_DEVICE, Errno.INVALID_ARGUMENT, device=999_999)
    names = [d["name"] for d in (await acked(laptop, MsgId.DEVICES))["devices"]]
    assert names == ["laptop", "tablet"]


async def test_nobody_can_end_another_accounts_device(users: Users) -> None:
    ann, bob = await users.register("ann"), await users.register("bob")
    a, a_ack = await device(users, ann, "phone")
    b, _ = await device(users, bob, "phone")
    await refused(b, MsgId.END_DEVICE, Errno.INVALID_ARGUMENT, device=a_ack["device"]["id"])
    await a.quiet()


async def test_logging_out_everywhere_ends_every_device(users: Users) -> None:
    ann = await users.register("ann")
    phone, phone_ack = await device(users, ann, "phone")
    laptop, laptop_ack = await device(users, ann, "laptop")
    await phone.expect(MsgId.DEVICE_EVENT)
    await acked(laptop, MsgId.LOGOUT, all=True)
    assert (await phone.expect(MsgId.ERROR))["errno"] == Errno.NOT_LOGGED_IN
    assert await phone.closed()
    for token in (phone_ack["token"], laptop_ack["token"]):
        client = await users.connect()
        reply = await client.request(msgid=MsgId.LOGIN, token=token, v=2)
        assert reply["errno"] == Errno.BAD_CREDENTIALS


async def test_ending_the_other_devices_keeps_this_one(users: Users) -> None:
    ann = await users.register("ann")
    phone, _ = await device(users, ann, "phone")
    laptop, _ = await device(users, ann, "laptop")
    await acked(laptop, MsgId.END_DEVICE, others=True)
    assert await phone.closed()
    assert [d["name"] for d in (await acked(laptop, MsgId.DEVICES))["devices"]] == ["laptop"]


async def test_a_device_resumed_elsewhere_takes_over_its_old_session(users: Users) -> None:
    ann = await users.register("ann")
    old, ack = await device(users, ann, "phone")
    new, again = await resume(users, ack["token"])  # the old connection died unnoticed
    assert again["device"]["id"] == ack["device"]["id"]
    assert (await old.expect(MsgId.ERROR))["errno"] == Errno.NOT_LOGGED_IN
    assert await old.closed()
    listed = (await acked(new, MsgId.DEVICES))["devices"]
    assert [(d["name"], d["online"]) for d in listed] == [("phone", True)]


async def test_friends_see_one_presence_whatever_the_devices(users: Users) -> None:
    ann, bob = await users.register("ann"), await users.register("bob")
    b, _ = await users.login(bob)
    phone, _ = await device(users, ann, "phone")
    await make_friends(phone, ann, b, bob)
    laptop, _ = await device(users, ann, "laptop")
    await b.quiet()  # ann was online already
    await acked(phone, MsgId.LOGOUT)
    await b.quiet()  # and still is
    await acked(laptop, MsgId.LOGOUT)
    gone = await b.expect(MsgId.PRESENCE)
    assert (gone["id"], gone["state"]) == (ann, "offline")


async def test_what_one_device_does_reaches_the_others(users: Users) -> None:
    ann, bob = await users.register("ann"), await users.register("bob")
    phone, _ = await device(users, ann, "phone")
    laptop, _ = await device(users, ann, "laptop")
    await phone.expect(MsgId.DEVICE_EVENT)
    b, _ = await users.login(bob)
    await acked(b, MsgId.FRIEND_REQUEST, to=ann)
    for client in (phone, laptop):  # a request reaches every device
        assert (await client.expect(MsgId.FRIEND_EVENT))["event"] == "request"
    await acked(phone, MsgId.FRIEND_ANSWER, **{"from": bob, "accept": True})
    echoed = await laptop.expect(MsgId.FRIEND_EVENT)
    assert (echoed["event"], echoed["user"]["id"], echoed["state"]) == ("accepted", bob, "online")

    mid = await chat(b, ann, "read me")
    for client in (phone, laptop):
        await client.expect(MsgId.ONE_CHAT)
    await acked(phone, MsgId.READ, peer=bob, mid=mid)
    receipt = await laptop.expect(MsgId.RECEIPT)
    assert (receipt["mid"], receipt["peer"], receipt["own"]) == (mid, bob, True)
    await phone.quiet()

    group = (await acked(laptop, MsgId.CREATE_GROUP, groupname="g", groupdesc="d"))["groupid"]
    event = await phone.expect(MsgId.GROUP_EVENT)
    assert (event["groupid"], event["event"], event["group"]["groupname"]) == (group, "joined", "g")
    await laptop.quiet()


async def test_the_legacy_dialect_keeps_one_session(users: Users) -> None:
    ann = await users.register("ann")
    phone, _ = await device(users, ann, "phone")
    console = await users.connect(legacy=True)
    await console.send(msgid=MsgId.LOGIN, id=ann, password="pw")
    refusal = await console.expect(MsgId.LOGIN_ACK)
    assert (refusal["errno"], refusal["errmsg"]) == (2, "this account is using, input another!")
    await acked(phone, MsgId.LOGOUT)
    console, _ = await users.login(ann, legacy=True)
    other = await users.connect(legacy=True)
    await other.send(msgid=MsgId.LOGIN, id=ann, password="pw")
    assert (await other.expect(MsgId.LOGIN_ACK))["errno"] == 2
    # A current-protocol device takes over from a console left running.
    laptop, _ = await device(users, ann, "laptop")
    assert await console.closed()
    assert [d["online"] for d in (await acked(laptop, MsgId.DEVICES))["devices"]] == [
        False,  # the phone
        False,  # the console
        True,
    ]


async def test_the_legacy_console_is_not_shown_carbons(users: Users) -> None:
    ann, bob = await users.register("ann"), await users.register("bob")
    phone, _ = await device(users, ann, "phone")
    b, _ = await users.login(bob)
    await chat(phone, bob, "sent from the phone")
    await b.expect(MsgId.ONE_CHAT)
    await acked(phone, MsgId.LOGOUT)
    await chat(b, ann, "for the console")
    _, ack = await users.login(ann, legacy=True)
    shown = [m["msg"] for m in decoded(ack.get("offlinemsg", []))]
    assert shown == ["for the console"]


@pytest.mark.parametrize("server_options", [{"max_devices": 2}])
async def test_one_device_over_the_limit_ends_the_stalest(users: Users) -> None:
    ann = await users.register("ann")
    first, first_ack = await device(users, ann, "first")
    await device(users, ann, "second")
    third, _ = await device(users, ann, "third")
    for name in ("second", "third"):
        assert (await first.expect(MsgId.DEVICE_EVENT))["device"]["name"] == name
    assert (await first.expect(MsgId.ERROR))["errno"] == Errno.NOT_LOGGED_IN
    assert await first.closed()
    names = [d["name"] for d in (await acked(third, MsgId.DEVICES))["devices"]]
    assert names == ["second", "third"]
    again = await users.connect()
    reply = await again.request(msgid=MsgId.LOGIN, token=first_ack["token"], v=2)
    assert reply["errno"] == Errno.BAD_CREDENTIALS


async def test_a_device_name_is_checked(users: Users) -> None:
    ann = await users.register("ann")
    client = await users.connect()
    for bad in ("", " ", "x" * 65, "a\u202eb"):
        reply = await client.request(msgid=MsgId.LOGIN, id=ann, password="pw", v=2, device=bad)
        assert reply["errno"] == Errno.INVALID_ARGUMENT, (bad, reply)
    _, ack = await device(users, ann)
    assert ack["device"]["name"] == "unnamed device"
