"""A rolling restart under chat: each instance in turn gets SIGTERM, drains (its clients move
to the others on DRAIN), exits and starts again; nothing acknowledged is lost or seen twice,
and no client waits more than a few seconds for an acknowledgement."""

from __future__ import annotations

import asyncio
import random
import signal
import time

import pytest

from chatapp.protocol import GroupChat, OneChat
from chatapp.tools.chaos import _populate
from chatapp.tools.chaosclient import ChaosUser, Ledger, Sink
from chatapp.tools.localcluster import LocalCluster

from .conftest import MakeCluster

pytestmark = [pytest.mark.mysql, pytest.mark.redis, pytest.mark.nginx]

USERS = 6
RATE = 20.0  # messages a second, all users together
LONGEST_WAIT = 4.0  # seconds from sending a message to its acknowledgement, at most


class TimedUser(ChaosUser):
    """A chaos user that notes how long each of its messages waited for its ACK."""

    longest = 0.0

    async def _deliver(self, chat: OneChat | GroupChat, recipients: frozenset[Sink]) -> None:
        sent = time.monotonic()
        await super()._deliver(chat, recipients)
        self.longest = max(self.longest, time.monotonic() - sent)


async def load(users: list[TimedUser], ids: list[int], group: int, stop: asyncio.Event) -> None:
    """One message at a time at RATE, one-to-one mostly, a group message now and then."""
    rand = random.Random(7)
    members = frozenset((uid, 0) for uid in ids)  # each on one device
    while not stop.is_set():
        sender = rand.choice(users)
        if rand.random() < 0.2:
            sender.send(None, group, members - {sender.sink})
        else:
            to = rand.choice([uid for uid in ids if uid != sender.user_id])
            sender.send(to, None, frozenset({(to, 0)}))
        await asyncio.sleep(1 / RATE)  # the pace of the load, not a wait for an outcome


async def roll(cluster: LocalCluster) -> list[float]:
    """Restarts the instances one after another; how long each took to stop."""
    stops = []
    for index in range(len(cluster.spec.ports)):
        started = time.monotonic()
        code = await asyncio.to_thread(cluster.signal_instance, index, signal.SIGTERM)
        assert code == 0, f"instance {index} exited with {code}"
        stops.append(time.monotonic() - started)
        await asyncio.to_thread(cluster.start_instance, index)
        await asyncio.sleep(1.0)  # chat goes on across the restarted set for a moment
    return stops


async def test_a_rolling_restart_loses_nothing_and_keeps_clients_waiting_briefly(
    make_cluster: MakeCluster,
) -> None:
    cluster = await make_cluster(instances=3)
    port = cluster.spec.nginx_port
    ids, group = await _populate(port, USERS)
    ledger = Ledger()
    users = [TimedUser(uid, port, ledger) for uid in ids]
    stop_users, stop_load = asyncio.Event(), asyncio.Event()
    running = [asyncio.create_task(user.run(stop_users)) for user in users]
    try:
        await asyncio.sleep(1.0)  # everyone logged in and chatting before the first restart
        chatting = asyncio.create_task(load(users, ids, group, stop_load))
        stops = await asyncio.wait_for(roll(cluster), 45)
        stop_load.set()
        await chatting
        async with asyncio.timeout(15):  # what is on its way arrives
            while any(user.outbox for user in users) or ledger.missing():
                await asyncio.sleep(0.1)
    finally:
        stop_load.set()
        stop_users.set()
        await asyncio.gather(*running, return_exceptions=True)
    summary = ledger.summary(sum(len(user.outbox) for user in users))
    longest = max(user.longest for user in users)
    print("rolling restart:", summary, "stops:", stops, "longest wait:", longest)
    assert summary["acknowledged"] > 50, summary
    assert summary["lost"] == 0, ledger.missing()[:20]
    assert summary["duplicates"] == 0, summary
    assert summary["unacknowledged"] == 0, summary
    assert summary["password_logins"] == 0, summary  # every move resumed with its token
    assert summary["reconnects"] >= 3, summary  # each instance's clients moved
    assert longest < LONGEST_WAIT, (longest, summary)
    assert all(seconds < 8 for seconds in stops), stops  # drained, not timed out (10 s)
    logs = "".join(
        (cluster.spec.run_dir / f"instance-{port}.log").read_text() for port in cluster.spec.ports
    )
    assert logs.count("drained: every current client told to move has gone") == 3, logs
    assert "drain time is up" not in logs
