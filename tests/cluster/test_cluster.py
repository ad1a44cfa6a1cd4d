"""Several chatapp-server processes behind nginx, sharing MariaDB and Redis."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from typing import Any

import pytest

from chatapp.protocol import Errno, MsgId
from chatapp.tools.localcluster import LocalCluster
from tests.cluster.conftest import (
    LEASE_SECONDS,
    Clients,
    MakeCluster,
    login_when_free,
    try_login,
)
from tests.redis_service import PrivateRedis
from tests.wire import WireClient

pytestmark = [pytest.mark.mysql, pytest.mark.redis, pytest.mark.nginx]

ClientsFor = Callable[[LocalCluster], Clients]


async def next_where(client: WireClient, **fields: Any) -> dict[str, Any]:
    """The next object with these fields, passing over others (presence notices, say)."""
    while True:
        obj = await client.recv()
        if all(obj.get(key) == value for key, value in fields.items()):
            return obj


async def chat(client: WireClient, to: int, text: str) -> dict[str, Any]:
    ack = await client.request(msgid=MsgId.ONE_CHAT, toid=to, msg=text)
    assert (ack["msgid"], ack["errno"]) == (MsgId.ACK, 0), ack
    return ack


async def test_users_on_different_instances_chat_as_if_on_one(
    make_cluster: MakeCluster, clients_for: ClientsFor
) -> None:
    clients = clients_for(await make_cluster())
    ann, a = await clients.online(0)
    bob, b = await clients.online(1)
    cid = await clients.register()
    c, _ = await clients.login(cid, 2, legacy=True)

    # Friendship and presence cross instances.
    await a.request(msgid=MsgId.ADD_FRIEND, friendid=bob)
    assert (await next_where(b, msgid=MsgId.FRIEND_EVENT))["event"] == "request"
    await b.request(msgid=MsgId.FRIEND_ANSWER, **{"from": ann, "accept": True})
    accepted = await next_where(a, msgid=MsgId.FRIEND_EVENT)
    assert (accepted["event"], accepted["user"]["id"], accepted["state"]) == (
        "accepted",
        bob,
        "online",
    )
    await b.request(msgid=MsgId.LOGOUT)
    assert (await next_where(a, msgid=MsgId.PRESENCE))["state"] == "offline"
    await b.request(msgid=MsgId.LOGIN, id=bob, password="pw", v=2)
    assert (await next_where(a, msgid=MsgId.PRESENCE))["state"] == "online"

    # One-to-one, both ways, and to a legacy client on a third instance.
    ack = await chat(a, bob, "hello from 0")
    got = await next_where(b, msgid=MsgId.ONE_CHAT)
    assert (got["id"], got["name"], got["msg"], got["mid"]) == (
        ann,
        "u1",
        "hello from 0",
        ack["mid"],
    )
    await chat(b, ann, "hello from 1")
    assert (await next_where(a, msgid=MsgId.ONE_CHAT))["msg"] == "hello from 1"
    await chat(b, cid, "to legacy")
    legacy = await c.expect(MsgId.ONE_CHAT)
    assert legacy["msg"] == "to legacy" and "mid" not in legacy

    # A group with members on all three instances.
    gid = (await a.request(msgid=MsgId.CREATE_GROUP, groupname="g", groupdesc="d"))["groupid"]
    assert (await b.request(msgid=MsgId.ADD_GROUP, groupid=gid))["errno"] == 0
    await c.send(msgid=MsgId.ADD_GROUP, id=cid, groupid=gid)
    await c.quiet()
    ack = await b.request(msgid=MsgId.GROUP_CHAT, groupid=gid, msg="to all")
    assert ack["errno"] == 0, ack
    assert (await next_where(a, msgid=MsgId.GROUP_CHAT))["msg"] == "to all"
    assert (await c.expect(MsgId.GROUP_CHAT))["msg"] == "to all"
    await c.send(msgid=MsgId.GROUP_CHAT, id=cid, name="c", groupid=gid, msg="legacy to all")
    for member in (a, b):
        assert (await next_where(member, msgid=MsgId.GROUP_CHAT))["msg"] == "legacy to all"


async def test_clients_through_nginx_reach_each_other(
    make_cluster: MakeCluster, clients_for: ClientsFor
) -> None:
    clients = clients_for(await make_cluster())
    users = [await clients.online() for _ in range(6)]
    for sender_id, sender in users:
        for receiver_id, _ in users:
            if receiver_id != sender_id:
                await chat(sender, receiver_id, f"{sender_id}->{receiver_id}")
    for receiver_id, receiver in users:
        texts = {(await next_where(receiver, msgid=MsgId.ONE_CHAT))["msg"] for _ in users[1:]}
        assert texts == {f"{s}->{receiver_id}" for s, _ in users if s != receiver_id}


async def test_a_second_device_on_another_instance_is_welcome_a_console_is_not(
    make_cluster: MakeCluster, clients_for: ClientsFor
) -> None:
    clients = clients_for(await make_cluster())
    ann, a = await clients.online(0)
    laptop, _ = await clients.login(ann, 1)  # a second device, elsewhere
    assert (await a.expect(MsgId.DEVICE_EVENT))["event"] == "added"
    console = await clients.connect(2, legacy=True)
    ack = await try_login(console, ann)
    assert (ack["errno"], ack["errmsg"]) == (
        Errno.ALREADY_ONLINE,
        "this account is using, input another!",
    )
    await a.quiet()  # the sessions are untouched
    await laptop.quiet()


async def test_sigkill_strands_neither_device(
    make_cluster: MakeCluster, clients_for: ClientsFor
) -> None:
    cluster = await make_cluster()
    clients = clients_for(cluster)
    ann = await clients.register()
    phone, phone_ack = await clients.login(ann, 0)
    laptop, _ = await clients.login(ann, 1)
    _bob, b = await clients.online(2)
    assert (await phone.expect(MsgId.DEVICE_EVENT))["event"] == "added"

    assert cluster.signal_instance(0, signal.SIGKILL) == -signal.SIGKILL
    sent = [(await chat(b, ann, f"while the phone is cut off {i}"))["mid"] for i in range(5)]
    live = [(await next_where(laptop, msgid=MsgId.ONE_CHAT))["mid"] for _ in sent]
    assert live == sent  # the other device never noticed
    await laptop.send(msgid=MsgId.DELIVERED, seq=5)

    # The phone comes back through nginx with its token, at once: no lease to wait for.
    phone = await clients.connect()
    ack = await phone.request(msgid=MsgId.LOGIN, token=phone_ack["token"], v=2)
    assert ack["errno"] == 0, ack
    assert [m["mid"] for m in ack["offlinemsg"]] == sent
    await chat(b, ann, "both again")
    for client in (phone, laptop):
        assert (await next_where(client, msgid=MsgId.ONE_CHAT))["msg"] == "both again"
    await laptop.quiet()


async def test_sigkill_strands_nobody(make_cluster: MakeCluster, clients_for: ClientsFor) -> None:
    cluster = await make_cluster()
    clients = clients_for(cluster)
    ann, _ = await clients.online(0)
    _bob, b = await clients.online(1)

    assert cluster.signal_instance(0, signal.SIGKILL) == -signal.SIGKILL
    sent = [(await chat(b, ann, f"while dead {i}"))["mid"] for i in range(5)]

    started = time.monotonic()
    a, ack, refused = await login_when_free(clients, ann, deadline=LEASE_SECONDS + 10)
    waited = time.monotonic() - started
    assert waited < LEASE_SECONDS + 5, f"login took {waited:.1f} s after {refused} refusals"
    assert [m["mid"] for m in ack["offlinemsg"]] == sent
    # And the user is fully back: live chat works again.
    await chat(b, ann, "welcome back")
    assert (await next_where(a, msgid=MsgId.ONE_CHAT))["msg"] == "welcome back"


async def test_sigterm_logs_out_only_that_instances_users(
    make_cluster: MakeCluster, clients_for: ClientsFor
) -> None:
    cluster = await make_cluster()
    clients = clients_for(cluster)
    ann, a = await clients.online(0)
    bob, b = await clients.online(1)
    cid, c = await clients.online(2)
    for friend, client in ((ann, a), (cid, c)):
        await b.request(msgid=MsgId.ADD_FRIEND, friendid=friend)
        await client.request(msgid=MsgId.ADD_FRIEND, friendid=bob)  # accepted

    assert cluster.signal_instance(0, signal.SIGTERM) == 0
    assert await a.closed()
    notice = await next_where(b, msgid=MsgId.PRESENCE)
    assert (notice["id"], notice["state"]) == (ann, "offline")
    # Users of the other instances stay online and keep chatting.
    probe = await clients.connect(2)
    await probe.request(msgid=MsgId.REG, name="probe", password="pw", v=2)
    assert (await c.request(msgid=MsgId.ONE_CHAT, toid=bob, msg="still here"))["errno"] == 0
    assert (await next_where(b, msgid=MsgId.ONE_CHAT))["msg"] == "still here"
    # The logged-out user can log in again at once, through nginx, with no lease to wait.
    _, ack, refused = await login_when_free(clients, ann, deadline=5)
    assert refused == 0
    states = {f["id"]: f["state"] for f in ack["friends"]}
    assert states == {bob: "online"}


async def test_a_redis_restart_loses_no_message(
    private_redis: PrivateRedis, make_cluster: MakeCluster, clients_for: ClientsFor
) -> None:
    cluster = await make_cluster(instances=2, bus=private_redis.url + "?prefix=c:&lease=5")
    clients = clients_for(cluster)
    _ann, a = await clients.online(0)
    bob, b = await clients.online(1)
    b2, _ = await clients.login(bob, 0)  # bob's second device, on the sender's instance

    acked: list[int] = []

    async def send(count: int, label: str) -> None:
        for i in range(count):
            ack = await a.request(msgid=MsgId.ONE_CHAT, toid=bob, msg=f"{label} {i}")
            assert ack["errno"] == 0, ack
            acked.append(ack["mid"])

    await send(5, "before")
    private_redis.stop()
    await send(5, "during")
    await asyncio.to_thread(private_redis.start)
    await send(5, "after")

    for device in (b, b2):  # each of bob's devices, each message once
        received: list[int] = []
        async with asyncio.timeout(20):
            while len(set(received)) < len(acked):
                received.append((await next_where(device, msgid=MsgId.ONE_CHAT))["mid"])
        assert sorted(set(received)) == sorted(acked)
        assert len(received) == len(acked), "a message arrived twice"


async def test_nginx_reload_keeps_connections(
    make_cluster: MakeCluster, clients_for: ClientsFor
) -> None:
    cluster = await make_cluster(instances=2)
    clients = clients_for(cluster)
    ann, a = await clients.online()
    bob, b = await clients.online()
    cluster.reload_nginx()
    await chat(a, bob, "after reload")
    assert (await next_where(b, msgid=MsgId.ONE_CHAT))["msg"] == "after reload"
    _cid, c = await clients.online()  # new connections go through the new workers
    await chat(c, ann, "new connection")
    assert (await next_where(a, msgid=MsgId.ONE_CHAT))["msg"] == "new connection"
