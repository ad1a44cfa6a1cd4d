"""--metrics end to end: /metrics counts what clients did, /healthz and /readyz answer a
load balancer, over real sockets; without the option nothing more listens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from chatapp.protocol import Errno, MsgId
from chatapp.server.app import ChatServer
from chatapp.server.config import Config
from chatapp.server.probes import split_address
from chatapp.server.storage.sqlite import SQLiteStorage
from tests.redis_service import PrivateRedis
from tests.server.conftest import TEST_HASH_COST, Users, running
from tests.server.mysql_proxy import MySQLProxy
from tests.server.steps import chat, online, refused
from tests.wire import WireClient

ON = pytest.mark.parametrize("server_options", [{"metrics": "127.0.0.1:0"}])

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def get(port: int, path: str, *, method: str = "GET") -> tuple[int, str]:
    """One HTTP request to the probes: the status and the body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: probe\r\n\r\n".encode())
    async with asyncio.timeout(5):
        answer = await reader.read()
    writer.close()
    head, _, body = answer.decode().partition("\r\n\r\n")
    return int(head.split(" ")[1]), body


async def scrape(server: ChatServer) -> Samples:
    status, text = await get(server.probes.port, "/metrics")
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: Any) -> float:
    return samples.get((name, tuple(sorted((k, str(v)) for k, v in labels.items()))), 0.0)


@ON
async def test_the_counters_move_with_logins_chats_and_refusals(
    server: ChatServer, users: Users
) -> None:
    before = await scrape(server)
    alice, a = await online(users, "alice")
    bob, b = await online(users, "bob", legacy=True)
    await chat(a, bob, "hello")
    assert (await b.expect(MsgId.ONE_CHAT))["msg"] == "hello"
    await refused(a, MsgId.ONE_CHAT, Errno.NO_SUCH_USER, toid=alice + bob + 100, msg="hi")
    wrong = await users.connect()
    ack = await wrong.request(msgid=MsgId.LOGIN, id=alice, password="nope", v=2)
    assert ack["errno"] == Errno.BAD_CREDENTIALS
    after = await scrape(server)

    def moved(name: str, **labels: Any) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("chatapp_logins_total") == 2
    assert moved("chatapp_login_failures_total", errno=Errno.BAD_CREDENTIALS) == 1
    assert moved("chatapp_requests_total", msgid=MsgId.LOGIN) == 3
    assert moved("chatapp_requests_total", msgid=MsgId.ONE_CHAT) == 2
    assert moved("chatapp_refusals_total", msgid=MsgId.ONE_CHAT, errno=Errno.NO_SUCH_USER) == 1
    assert moved("chatapp_refusals_total", msgid=MsgId.LOGIN, errno=Errno.BAD_CREDENTIALS) == 1
    assert moved("chatapp_chats_logged_total") == 1
    assert moved("chatapp_deliveries_total") == 1
    assert moved("chatapp_log_batch_size_count") >= 1
    assert moved("chatapp_log_commit_seconds_count") >= 1
    assert value(after, "chatapp_connections", dialect="v2", state="logged_in") == 1
    assert value(after, "chatapp_connections", dialect="legacy", state="logged_in") == 1
    # A connection speaks legacy until a login or registration chooses otherwise.
    anonymous = [value(after, "chatapp_connections", dialect=d, state="anonymous")
                 for d in ("legacy", "v2")]  # fmt: skip
    assert sum(anonymous) == 1
    assert value(after, "chatapp_sessions") == 2
    assert value(after, "chatapp_hash_waiting") == 0
    assert value(after, "chatapp_outbound_queued_bytes") >= 0
    assert "process_open_fds" in {name for name, _ in after}


@ON
async def test_health_and_readiness_answer_while_all_is_well(server: ChatServer) -> None:
    port = server.probes.port
    assert await get(port, "/healthz") == (200, "ok\n")
    assert await get(port, "/readyz") == (200, "ready\n")
    assert await get(port, "/readyz", method="HEAD") == (200, "")
    assert (await get(port, "/nothing"))[0] == 404
    assert (await get(port, "/metrics", method="POST"))[0] == 405


@ON
async def test_an_oversized_or_garbled_request_is_dropped_unanswered(server: ChatServer) -> None:
    for junk in (b"GET /" + b"x" * 10_000 + b" HTTP/1.1\r\n\r\n", b"hello\r\n\r\n"):
        reader, writer = await asyncio.open_connection("127.0.0.1", server.probes.port)
        writer.write(junk)
        async with asyncio.timeout(5):
            assert await reader.read() == b""
        writer.close()
    assert (await get(server.probes.port, "/healthz"))[0] == 200


@ON
async def test_readiness_fails_when_the_storage_is_gone(server: ChatServer) -> None:
    await server.storage.close()  # SQLite's file, or MySQL's pool, closed underneath
    status, why = await get(server.probes.port, "/readyz")
    assert (status, why) == (503, "storage unavailable: storage is closed\n")
    assert (await get(server.probes.port, "/healthz"))[0] == 200


@pytest.mark.mysql
async def test_readiness_fails_when_mysql_stops_answering(mysql_url: str) -> None:
    proxy = MySQLProxy(mysql_url)
    await proxy.start()
    config = Config(
        host="127.0.0.1", port=0, storage=proxy.url, hash_cost=TEST_HASH_COST,
        metrics="127.0.0.1:0",
    )  # fmt: skip
    async with running(config) as server:
        assert (await get(server.probes.port, "/readyz"))[0] == 200
        await proxy.stop()  # its port closed, its links cut
        status, why = await get(server.probes.port, "/readyz")
        assert status == 503 and why.startswith("storage unavailable: "), why
        assert "mysql" in why and "2003" in why, why
        assert (await get(server.probes.port, "/healthz"))[0] == 200


class SlowToClose(SQLiteStorage):
    """SQLite whose close waits for the test: a shutdown held halfway."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.closing = asyncio.Event()
        self.release = asyncio.Event()

    async def close(self) -> None:
        self.closing.set()
        await self.release.wait()
        await super().close()


@pytest.fixture
async def held(tmp_path: Any) -> AsyncIterator[tuple[ChatServer, SlowToClose]]:
    storage = SlowToClose(str(tmp_path / "chat.db"))
    config = Config(host="127.0.0.1", port=0, hash_cost=TEST_HASH_COST, metrics="127.0.0.1:0")
    server = ChatServer(config, storage=storage)
    await server.start()
    yield server, storage
    storage.release.set()


async def test_readiness_fails_from_the_start_of_a_shutdown(
    held: tuple[ChatServer, SlowToClose],
) -> None:
    server, storage = held
    port = server.probes.port
    assert (await get(port, "/readyz"))[0] == 200
    stopping = asyncio.create_task(server.shutdown())
    async with asyncio.timeout(5):
        await storage.closing.wait()
    assert await get(port, "/readyz") == (503, "shutting down\n")
    storage.release.set()
    await stopping
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)  # the probes stop last


async def test_without_the_option_nothing_else_listens(server: ChatServer) -> None:
    assert Config().metrics is None
    assert server.config.metrics is None
    assert server.probes.listening is False


async def test_the_metrics_port_cannot_be_the_chat_port(tmp_path: Any) -> None:
    config = Config(
        host="127.0.0.1", port=6000, storage=f"sqlite:///{tmp_path}/chat.db",
        hash_cost=TEST_HASH_COST, metrics="127.0.0.1:6000",
    )  # fmt: skip
    with pytest.raises(ValueError, match="chat port"):
        async with running(config):
            pass


async def ready_becomes(port: int, status: int) -> str:
    """The body of /readyz once it answers `status`, asked again while it does not."""
    async with asyncio.timeout(15):
        while (answer := await get(port, "/readyz"))[0] != status:
            await asyncio.sleep(0.05)  # the bus notices, and reconnects, by itself
    return answer[1]


@pytest.mark.redis
async def test_readiness_follows_the_bus_and_its_reconnects_are_counted(
    private_redis: PrivateRedis, tmp_path: Any
) -> None:
    config = Config(
        host="127.0.0.1", port=0, storage=f"sqlite:///{tmp_path}/chat.db",
        bus=private_redis.url + "?lease=5", hash_cost=TEST_HASH_COST, metrics="127.0.0.1:0",
    )  # fmt: skip
    async with running(config) as server:
        port = server.probes.port
        assert await ready_becomes(port, 200) == "ready\n"
        assert value(await scrape(server), "chatapp_bus_reconnects_total") == 0
        private_redis.stop()
        assert await ready_becomes(port, 503) == "bus not connected\n"
        await asyncio.to_thread(private_redis.start)
        assert await ready_becomes(port, 200) == "ready\n"
        assert value(await scrape(server), "chatapp_bus_reconnects_total") == 1


@pytest.mark.mysql
@pytest.mark.redis
async def test_a_chat_to_another_instance_times_its_publish(mysql_url: str, redis_url: str) -> None:
    config = Config(
        host="127.0.0.1", port=0, storage=mysql_url, bus=redis_url, hash_cost=TEST_HASH_COST,
        metrics="127.0.0.1:0",
    )  # fmt: skip
    async with running(config) as here, running(config) as there:
        clients: list[WireClient] = []

        def users_of(server: ChatServer) -> Users:
            async def connect(*, legacy: bool = False) -> WireClient:
                clients.append(client := await WireClient.connect(server.port, legacy=legacy))
                return client

            return Users(connect)

        a_id = await users_of(here).register("ann")
        a, _ = await users_of(here).login(a_id)
        bob, b = await users_of(there).online()
        await chat(a, bob, "across")
        assert (await b.expect(MsgId.ONE_CHAT))["msg"] == "across"
        sent = await scrape(here)
        assert value(sent, "chatapp_bus_publish_seconds_count") == 1
        assert value(sent, "chatapp_deliveries_total") == 1
        assert (
            value(sent, "chatapp_sessions") == value(await scrape(there), "chatapp_sessions") == 1
        )
        for client in clients:
            await client.close()


@pytest.mark.parametrize(
    ("address", "where"),
    [("127.0.0.1:9100", ("127.0.0.1", 9100)), ("[::1]:9100", ("::1", 9100)),
     ("localhost:0", ("localhost", 0))],
)  # fmt: skip
def test_an_address_is_a_host_and_a_port(address: str, where: tuple[str, int]) -> None:
    assert split_address(address) == where


@pytest.mark.parametrize("address", ["9100", "127.0.0.1", ":9100", "host:port", "h:70000"])
def test_an_address_without_both_is_refused(address: str) -> None:
    with pytest.raises(ValueError, match="ADDRESS:PORT"):
        split_address(address)
