"""A private Redis Cluster for tests: three masters and three replicas on free loopback
ports, started once per session (or per module, for tests that fail masters over) and
torn down after."""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatapp.tools.services import PrivateServer, free_port
from tests.services import need_service

__all__ = [
    "PrivateRedisCluster",
    "own_redis_cluster",
    "redis_bus_url",
    "redis_cluster",
    "redis_cluster_url",
]


class ClusterNode(PrivateServer):
    """One redis-server of the cluster; its nodes.conf survives a restart, so it rejoins."""

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir, "redis")
        self.bus_port = free_port()

    def command(self) -> list[str]:
        return [
            shutil.which("redis-server") or "redis-server",
            "--port", str(self.port), "--bind", "127.0.0.1",
            "--cluster-enabled", "yes", "--cluster-port", str(self.bus_port),
            "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000",
            "--cluster-replica-validity-factor", "0",
            "--repl-diskless-sync-delay", "0",  # a replica's first copy at once, not in 5 s
            "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
        ]  # fmt: skip

    def cli(self, *args: str) -> str:
        """A redis-cli command on this node: its output."""
        cli = shutil.which("redis-cli") or "redis-cli"
        run = subprocess.run(
            [cli, "-h", "127.0.0.1", "-p", str(self.port), *args],
            capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip
        return run.stdout


class PrivateRedisCluster:
    """Six nodes: three masters, each with a replica."""

    def __init__(self, workdir: Path, size: int = 6) -> None:
        self.nodes = [ClusterNode(workdir / f"node{n}") for n in range(size)]

    @property
    def url(self) -> str:
        """Every node as a seed, as the bus URL takes them (without options)."""
        hosts = ",".join(f"127.0.0.1:{node.port}" for node in self.nodes)
        return f"redis-cluster://{hosts}/"

    def start(self) -> None:
        for node in self.nodes:
            node.start()
        cli = shutil.which("redis-cli") or "redis-cli"
        seeds = [f"127.0.0.1:{node.port}" for node in self.nodes]
        subprocess.run(
            [cli, "--cluster", "create", *seeds, "--cluster-replicas", "1", "--cluster-yes"],
            capture_output=True, timeout=60, check=True,
        )  # fmt: skip
        self.wait_ok()

    def wait_ok(self, timeout: float = 30.0) -> None:
        """Returns once every running node sees the cluster as ok, all slots served, and
        every replica has its copy of its master: a handover to a replica still without
        one would lose the master's keys (the leases among them), which no deployment
        with settled replicas would do."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self._ok(node) for node in self.nodes if node.process is not None):
                return
            time.sleep(0.1)
        raise TimeoutError("the Redis Cluster did not become ok")

    @staticmethod
    def _ok(node: ClusterNode) -> bool:
        try:
            info = node.cli("cluster", "info")
        except subprocess.SubprocessError:
            return False
        if "cluster_state:ok" not in info or "cluster_slots_ok:16384" not in info:
            return False
        try:
            replication = node.cli("info", "replication")
        except subprocess.SubprocessError:
            return False
        return "role:master" in replication or "master_link_status:up" in replication

    def master_names(self) -> set[str]:
        """host:port of every running node that is a master now."""
        return {
            f"127.0.0.1:{node.port}"
            for node in self.nodes
            if node.process is not None and node.cli("role").startswith("master")
        }

    def master_of(self, key: str) -> ClusterNode:
        """The running master serving `key`'s slot now."""
        running = [node for node in self.nodes if node.process is not None]
        slot = int(running[0].cli("cluster", "keyslot", key))
        for node in running:
            if node.cli("role").startswith("master") and self._serves(node, slot):
                return node
        raise LookupError(f"no master serves slot {slot}")

    def replica_of(self, master: ClusterNode) -> ClusterNode:
        """A running replica of `master`."""
        for node in self.nodes:
            if node.process is None:
                continue
            role = node.cli("role").split()
            if role[0] == "slave" and role[2] == str(master.port):
                return node
        raise LookupError(f"127.0.0.1:{master.port} has no replica")

    @staticmethod
    def _serves(node: ClusterNode, slot: int) -> bool:
        nodes = node.cli("cluster", "nodes").splitlines()
        myself = next(line for line in nodes if "myself" in line)
        for part in myself.split()[8:]:
            first, _, last = part.partition("-")
            if first.isdigit() and int(first) <= slot <= int(last or first):
                return True
        return False

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def redis_version() -> tuple[int, ...]:
    """The installed redis-server's version, as numbers."""
    server = shutil.which("redis-server") or "redis-server"
    out = subprocess.run([server, "--version"], capture_output=True, text=True, check=True)
    found = re.search(r"v=(\d+(?:\.\d+)*)", out.stdout)
    return tuple(int(part) for part in found.group(1).split(".")) if found else (0,)


def _cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedisCluster]:
    for tool in ("redis-server", "redis-cli"):
        if shutil.which(tool) is None:
            need_service(f"{tool} is not installed: no Redis Cluster to test on")
    version = redis_version()
    if version < (7,):
        need_service(f"redis-server {version} has no sharded pub/sub: Redis 7 or newer needed")
    cluster = PrivateRedisCluster(tmp_path_factory.mktemp("redis-cluster"))
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedisCluster]:
    """A private Redis Cluster for the session, for tests that leave its nodes as they are
    (each test its own key prefix, through redis_cluster_url)."""
    yield from _cluster(tmp_path_factory)


@pytest.fixture(scope="module")
def own_redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedisCluster]:
    """A private Redis Cluster for a test module whose tests fail its masters over."""
    yield from _cluster(tmp_path_factory)


@pytest.fixture
def redis_cluster_url(redis_cluster: PrivateRedisCluster) -> str:
    """A bus URL on the session's cluster with a prefix of the test's own."""
    return f"{redis_cluster.url}?prefix=t{secrets.token_hex(4)}:&lease=2"


@pytest.fixture(
    params=[
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("redis-cluster", marks=pytest.mark.redis_cluster),
    ]
)
def redis_bus_url(request: pytest.FixtureRequest) -> str:
    """A URL of each bus that instances share through Redis: one Redis (the machine's,
    a prefix of the test's own), a Redis Cluster (the session's private one)."""
    fixture = "redis_cluster_url" if request.param == "redis-cluster" else "redis_url"
    return str(request.getfixturevalue(fixture))
