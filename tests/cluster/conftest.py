"""A real cluster for tests: chatapp-server processes behind nginx, on MariaDB and Redis."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from chatapp.protocol import Errno, MsgId
from chatapp.tools.localcluster import STREAM_MODULE, ClusterSpec, LocalCluster
from chatapp.tools.services import free_port
from tests.services import need_service
from tests.wire import WireClient

LEASE_SECONDS = 2.0

MakeCluster = Callable[..., Awaitable[LocalCluster]]


@pytest.fixture
def nginx_ready() -> None:
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        need_service("nginx is not installed (Debian packages nginx and libnginx-mod-stream)")
    if not Path(STREAM_MODULE).exists():
        need_service(f"nginx stream module missing: {STREAM_MODULE} (libnginx-mod-stream)")


@pytest.fixture
async def make_cluster(
    nginx_ready: None, mysql_url: str, redis_url: str, tmp_path: Path
) -> AsyncIterator[MakeCluster]:
    """Starts a cluster of `instances` on a fresh database; `bus` overrides the Redis URL."""
    clusters: list[LocalCluster] = []

    async def start(*, instances: int = 3, bus: str | None = None) -> LocalCluster:
        spec = ClusterSpec(
            run_dir=tmp_path / f"cluster{len(clusters)}",
            storage=mysql_url,
            bus=bus or redis_url.replace("lease=2", f"lease={LEASE_SECONDS}"),
            ports=[free_port() for _ in range(instances)],
            nginx_port=free_port(),
            server_args=["--hash-cost", "10"],
        )
        cluster = LocalCluster(spec)
        clusters.append(cluster)
        await asyncio.to_thread(cluster.start)
        return cluster

    yield start
    for cluster in clusters:
        await asyncio.to_thread(cluster.stop)


class Clients:
    """Registers users and logs them in on a chosen instance, or through nginx."""

    def __init__(self, cluster: LocalCluster) -> None:
        self.cluster = cluster
        self.opened: list[WireClient] = []
        self.count = 0

    def port(self, instance: int | None) -> int:
        spec = self.cluster.spec
        return spec.nginx_port if instance is None else spec.ports[instance]

    async def connect(self, instance: int | None = None, *, legacy: bool = False) -> WireClient:
        client = await WireClient.connect(self.port(instance), legacy=legacy)
        self.opened.append(client)
        return client

    async def register(self, name: str | None = None) -> int:
        self.count += 1
        client = await self.connect()
        reply = await client.request(
            msgid=MsgId.REG, name=name or f"u{self.count}", password="pw", v=2
        )
        assert reply["errno"] == 0, reply
        await client.close()
        return int(reply["id"])

    async def login(
        self, user_id: int, instance: int | None = None, *, legacy: bool = False
    ) -> tuple[WireClient, dict[str, Any]]:
        client = await self.connect(instance, legacy=legacy)
        ack = await try_login(client, user_id)
        assert ack["errno"] == 0, ack
        return client, ack

    async def online(self, instance: int | None = None) -> tuple[int, WireClient]:
        user_id = await self.register()
        client, _ = await self.login(user_id, instance)
        return user_id, client

    async def close(self) -> None:
        for client in self.opened:
            await client.close()


async def try_login(client: WireClient, user_id: int) -> dict[str, Any]:
    if client.legacy:
        await client.send(msgid=MsgId.LOGIN, id=user_id, password="pw")
        return await client.expect(MsgId.LOGIN_ACK)
    return await client.request(msgid=MsgId.LOGIN, id=user_id, password="pw", v=2)


async def login_when_free(
    clients: Clients, user_id: int, deadline: float
) -> tuple[WireClient, dict[str, Any], int]:
    """Logs in through nginx, retrying while the account still counts as online.

    Returns the client, the ack and the number of refused attempts.
    """
    refused = 0
    async with asyncio.timeout(deadline):
        while True:
            client = await clients.connect()
            ack = await try_login(client, user_id)
            if ack["errno"] == 0:
                return client, ack, refused
            assert ack["errno"] == Errno.ALREADY_ONLINE, ack
            refused += 1
            await client.close()
            await asyncio.sleep(0.2)  # the lease of the dead instance has to run out


@pytest.fixture
async def clients_for() -> AsyncIterator[Callable[[LocalCluster], Clients]]:
    made: list[Clients] = []

    def make(cluster: LocalCluster) -> Clients:
        made.append(Clients(cluster))
        return made[-1]

    yield make
    for clients in made:
        await clients.close()
