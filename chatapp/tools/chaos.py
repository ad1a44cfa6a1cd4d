"""A chaos run: a local cluster under steady chat while its parts fail, counting every message.

    python -m chatapp.tools.chaos --duration 300 --users 12 --rate 40

It starts a MariaDB and a Redis of its own (on free loopback ports; the machine's own are
left alone), several chatapp-server instances behind nginx, and users that chat through
nginx at a steady rate, each on chatapp-client's own Connection, which reconnects, resumes
and retries by itself (chaosclient.py). Meanwhile, one after another and again every cycle,
it kills an instance with SIGKILL (and starts it again), restarts Redis, restarts MariaDB
and reloads nginx. Some users (`--two-devices`) are logged in on two devices at once. At
the end every acknowledged message must have reached each device of each recipient, and
the sender's other device (as SENT), and no device may have passed one on twice: it prints
sent / acknowledged / received / lost / duplicates, counted per device (and how the
clients got there) as JSON, and exits 1 if anything was lost or duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatapp.client.net import Connection
from chatapp.protocol import AddGroup, CreateGroup

from .chaosclient import PASSWORD, ChaosUser, Ledger, Sink
from .localcluster import ClusterSpec, LocalCluster
from .services import PrivateMariaDB, PrivateRedis, free_port

log = logging.getLogger("chatapp.chaos")


@dataclass
class ChaosConfig:
    """How long, how many, how fast, and how often things fail."""

    workdir: Path
    duration: float = 60.0
    users: int = 8
    two_devices: int = 2  # of the users, how many are logged in on two devices
    rate: float = 30.0  # messages per second, all users together
    instances: int = 3
    lease: float = 2.0
    period: float = 0.0  # seconds per cycle of failures; 0: one cycle over the duration
    grace: float = 30.0  # seconds to wait at the end for what is still on its way
    seed: int = 1
    events: list[str] = field(default_factory=list)


async def _populate(port: int, users: int) -> tuple[list[int], int]:
    """Registers the users and one group they all join; returns their ids and the group's."""
    conn = Connection("127.0.0.1", port)
    try:
        ids = [await conn.register(f"chaos{n}", PASSWORD) for n in range(users)]
        group = 0
        for uid in ids:
            await conn.login(PASSWORD, id=uid)
            if not group:
                group = (await conn.request(CreateGroup("chaos"))).groupid or 0
            else:
                await conn.request(AddGroup(group))
            await conn.logout()
    finally:
        await conn.close()
    return ids, group


class ChaosRun:
    """The services, the cluster, the clients and the schedule of one run."""

    def __init__(self, config: ChaosConfig) -> None:
        self.config = config
        self.redis = PrivateRedis(config.workdir / "redis")
        self.mariadb = PrivateMariaDB(config.workdir / "mariadb")
        self.cluster: LocalCluster | None = None
        self.ledger = Ledger()
        self.random = random.Random(config.seed)

    async def start(self) -> int:
        """Starts everything; returns nginx's port."""
        await asyncio.to_thread(self.redis.start)
        await asyncio.to_thread(self.mariadb.install)
        await asyncio.to_thread(self.mariadb.create_database, "chatapp")
        spec = ClusterSpec(
            run_dir=self.config.workdir / "cluster",
            storage=self.mariadb.url("chatapp"),
            bus=f"{self.redis.url}?prefix=chaos:&lease={self.config.lease}",
            ports=[free_port() for _ in range(self.config.instances)],
            nginx_port=free_port(),
            server_args=["--hash-cost", "10", "--log-level", "WARNING"],
        )
        self.cluster = LocalCluster(spec)
        await asyncio.to_thread(self.cluster.start)
        return spec.nginx_port

    async def stop(self) -> None:
        if self.cluster is not None:
            await asyncio.to_thread(self.cluster.stop)
        self.mariadb.stop()
        self.redis.stop()

    # --- failures ------------------------------------------------------------------

    def schedule(self) -> list[tuple[str, Callable[[], Awaitable[None]]]]:
        return [
            ("sigkill an instance", self._kill_instance),
            ("restart Redis", self._restart(self.redis)),
            ("restart MariaDB", self._restart(self.mariadb)),
            ("reload nginx", self._reload_nginx),
        ]

    async def _kill_instance(self) -> None:
        assert self.cluster is not None
        index = self.random.randrange(len(self.cluster.spec.ports))
        self.cluster.signal_instance(index, signal.SIGKILL)
        await asyncio.sleep(self.config.lease)  # down for a while, as a crash would be
        await asyncio.to_thread(self.cluster.start_instance, index)

    def _restart(self, service: PrivateRedis | PrivateMariaDB) -> Callable[[], Awaitable[None]]:
        async def restart() -> None:
            service.stop()
            await asyncio.sleep(1.0)
            await asyncio.to_thread(service.start)

        return restart

    async def _reload_nginx(self) -> None:
        assert self.cluster is not None
        self.cluster.reload_nginx()

    async def _failures(self, stop: asyncio.Event) -> None:
        steps = self.schedule()
        period = self.config.period or self.config.duration
        gap = period / (len(steps) + 2)  # room for the failures themselves to take time
        while not stop.is_set():
            for name, action in steps:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(gap):
                        await stop.wait()
                if stop.is_set():
                    return
                log.warning("chaos: %s", name)
                self.config.events.append(name)
                await action()

    # --- the run -------------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        port = await self.start()
        try:
            ids, group = await _populate(port, self.config.users)
            clients = [ChaosUser(uid, port, self.ledger) for uid in ids]
            pairs = min(self.config.two_devices, len(ids))
            clients += [ChaosUser(uid, port, self.ledger, device=1) for uid in ids[:pairs]]
            stop_clients, stop_load = asyncio.Event(), asyncio.Event()
            tasks = [asyncio.create_task(c.run(stop_clients)) for c in clients]
            # Every device is known before the first chat, so that each gets its copies.
            async with asyncio.timeout(30):
                await asyncio.gather(*(c.logged_in.wait() for c in clients))
            chaos = asyncio.create_task(self._failures(stop_load))
            await self._load(clients, ids, group, stop_load)
            stop_load.set()
            await chaos
            await self._settle(clients)
            stop_clients.set()
            await asyncio.gather(*tasks)
            unacked = sum(len(c.outbox) for c in clients)
            # Which (mid, recipient) went missing, if any: the first lead when one does.
            return {**self.ledger.summary(unacked), "events": self.config.events,
                    "refusals": self.ledger.refusals,
                    "missing": self.ledger.missing()[:20]}  # fmt: skip
        finally:
            await self.stop()

    async def _load(
        self, clients: list[ChaosUser], ids: list[int], group: int, stop: asyncio.Event
    ) -> None:
        """Sends at the configured rate for the duration, one message at a time."""
        interval = 1.0 / self.config.rate
        devices: dict[int, frozenset[Sink]] = {}
        for client in clients:
            devices[client.user_id] = devices.get(client.user_id, frozenset()) | {client.sink}
        end = time.monotonic() + self.config.duration
        while time.monotonic() < end:
            sender = self.random.choice(clients)
            own = devices[sender.user_id] - {sender.sink}  # its other devices: SENT
            if self.random.random() < 0.2:
                others = [sink for uid in ids if uid != sender.user_id for sink in devices[uid]]
                sender.send(None, group, frozenset(others) | own)
            else:
                to = self.random.choice([uid for uid in ids if uid != sender.user_id])
                sender.send(to, None, devices[to] | own)
            await asyncio.sleep(interval)

    async def _settle(self, clients: list[ChaosUser]) -> None:
        """Waits for outstanding acknowledgements and deliveries, up to the grace time."""
        end = time.monotonic() + self.config.grace
        while time.monotonic() < end:
            if not any(c.outbox for c in clients) and not self.ledger.missing():
                return
            await asyncio.sleep(0.2)


async def run_chaos(config: ChaosConfig) -> dict[str, Any]:
    """One chaos run; the figures of its ledger."""
    return await ChaosRun(config).run()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m chatapp.tools.chaos",
        description="Chat through a local cluster while its parts fail; count every message.",
    )
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of load")
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument(
        "--two-devices", type=int, default=4, help="users logged in on two devices at once"
    )
    parser.add_argument("--rate", type=float, default=40.0, help="messages per second")
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--period", type=float, default=60.0, help="seconds per failure cycle")
    parser.add_argument("--lease", type=float, default=3.0, help="presence lease in seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="chatapp-chaos-"))
    config = ChaosConfig(
        workdir=workdir, duration=args.duration, users=args.users, rate=args.rate,
        two_devices=args.two_devices,
        instances=args.instances, period=args.period, lease=args.lease, seed=args.seed,
    )  # fmt: skip
    result = asyncio.run(run_chaos(config))
    print(json.dumps(result, indent=2))
    print(f"logs in {workdir}", file=sys.stderr)
    return 1 if result["lost"] or result["duplicates"] else 0


if __name__ == "__main__":
    sys.exit(main())
