"""Fixtures of the partition tests: the lab for the session, a cluster of two instances per
test, with users chatting through the FaultProxy."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.faultproxy import FaultProxy
from tests.services import mysql_query, need_service

from .chatters import Chatters
from .lab import CHAT_PORT, INSTANCES, METRICS_PORT, Instance, Lab
from .netlab import LabUnavailable

LEASE = 3.0  # seconds: a cut of a quarter of it is short, of twice it long


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    for program in ("ip", "redis-server", "mariadbd", "mariadb-install-db"):
        if shutil.which(program) is None and not os.path.exists(f"/usr/sbin/{program}"):
            need_service(f"{program} is not installed")
    made = Lab(tmp_path_factory.mktemp("partition-lab"))
    try:
        made.start()
    except LabUnavailable as exc:
        made.close()
        need_service(f"partition tests need network namespaces: {exc}")
    except BaseException:
        made.close()
        raise
    yield made
    made.close()


@dataclass
class Cluster:
    """Two instances of one test, their proxy, the users."""

    lab: Lab
    instances: list[Instance]
    proxy: FaultProxy
    chatters: Chatters
    cuts: list[str] = field(default_factory=list)

    def sessions(self) -> list[int]:
        """chatapp_sessions of each instance, from its /metrics."""
        counts = []
        for instance in self.instances:
            url = f"http://{instance.address}:{METRICS_PORT}/metrics"
            with urllib.request.urlopen(url, timeout=5) as reply:
                text = reply.read().decode()
            found = re.search(r"^chatapp_sessions (\S+)$", text, re.MULTILINE)
            counts.append(int(float(found.group(1))) if found else -1)
        return counts

    def unready(self) -> list[str]:
        """What each instance's /readyz says, for those not ready."""
        said = []
        for instance in self.instances:
            url = f"http://{instance.address}:{METRICS_PORT}/readyz"
            try:
                with urllib.request.urlopen(url, timeout=5):
                    pass
            except urllib.error.HTTPError as exc:
                said.append(f"instance {instance.index}: {exc.read().decode().strip()}")
            except OSError as exc:
                said.append(f"instance {instance.index}: {exc}")
        return said

    async def all_ready(self, timeout: float = 20.0) -> None:
        """Waits until every instance says it is ready for new connections again."""
        async with asyncio.timeout(timeout):
            while await asyncio.to_thread(self.unready):
                await asyncio.sleep(0.1)

    async def one_session_each(self, timeout: float = 20.0) -> list[int]:
        """Waits until the instances hold as many sessions as there are users, all
        online: nobody is online twice, nor left behind on an instance."""
        users = len(self.chatters.clients)
        async with asyncio.timeout(timeout):
            while True:
                counts = await asyncio.to_thread(self.sessions)
                if sum(counts) == users and self.chatters.online() == users:
                    return counts
                await asyncio.sleep(0.1)

    async def log_line(self, index: int, text: str, timeout: float = 20.0) -> str:
        """Waits for a line of instance `index`'s log containing `text`."""
        async with asyncio.timeout(timeout):
            while not (lines := self.instances[index].lines(text)):
                await asyncio.sleep(0.05)
        return lines[0]


@pytest.fixture
async def cluster(lab: Lab, tmp_path: Path) -> AsyncIterator[Cluster]:
    database = f"chatapp_pt_{os.getpid()}_{secrets.token_hex(3)}"
    admin = lab.mysql_url("")
    mysql_query(admin, f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4")
    prefix = f"pt{secrets.token_hex(3)}:"
    bus = [f"{lab.redis_url(k)}?prefix={prefix}&lease={LEASE}" for k in range(INSTANCES)]
    storage = [lab.mysql_url(database, k) for k in range(INSTANCES)]
    instances = [Instance(lab, k, storage[k], bus[k], tmp_path) for k in range(INSTANCES)]
    proxy = FaultProxy([(i.address, CHAT_PORT) for i in instances])
    chatters: Chatters | None = None
    try:
        for instance in instances:  # one after the other: the first makes the schema
            await asyncio.to_thread(instance.start)
        await proxy.start()
        chatters = Chatters(proxy.port)
        await chatters.start()
        yield Cluster(lab, instances, proxy, chatters)
    finally:
        lab.net.heal_all()
        proxy.heal()
        proxy.thaw()
        if chatters is not None:
            await chatters.stop()
        await proxy.stop()
        for instance in instances:
            await asyncio.to_thread(instance.stop)
        mysql_query(admin, f"DROP DATABASE IF EXISTS `{database}`")
