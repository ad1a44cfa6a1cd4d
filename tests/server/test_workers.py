"""`chatapp-server --workers N`: N processes on one port, on the shared bus and store; the
supervisor passes signals on, starts a dead worker again, and refuses what cannot work."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from urllib.request import urlopen

import pytest

from chatapp.protocol import MsgId
from chatapp.server.config import Config
from chatapp.server.workers import POLL, RESTART_PAUSE, Supervisor, check, for_worker
from chatapp.tools.services import free_port
from tests.server.test_process import Launch, ServerProcess, launch, run_cli
from tests.wire import WireClient

__all__ = ["launch"]  # the fixture, imported to be used here

MYSQL = "mysql://root@127.0.0.1:3306/chat"
REDIS = "redis://127.0.0.1:6379/0"
CLIENTS = 24  # all on one worker by chance: 2 in 2**24


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"workers": 0}, "at least 1"),
        ({"workers": 2}, "needs a shared bus"),  # the defaults: memory://, SQLite
        ({"workers": 2, "bus": REDIS}, "needs a shared store"),
        ({"workers": 2, "bus": REDIS, "storage": MYSQL, "port": 0}, "needs a --port"),
    ],
)
def test_refuses_what_workers_cannot_serve(changes: dict[str, object], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        check(replace(Config(), **changes))  # type: ignore[arg-type]


def test_accepts_one_worker_anywhere_and_several_on_redis_and_mysql() -> None:
    for config in (Config(), Config(workers=4, bus=REDIS, storage=MYSQL)):
        assert check(config) is None  # type: ignore[func-returns-value]


def test_each_worker_serves_its_own_metrics_port() -> None:
    assert for_worker(Config(metrics="127.0.0.1:9100"), 2).metrics == "127.0.0.1:9102"
    assert for_worker(Config(metrics="[::1]:9100"), 1).metrics == "[::1]:9101"
    assert for_worker(Config(), 3).metrics is None


async def test_the_command_refuses_workers_on_the_in_process_bus() -> None:
    code, out = await run_cli("--workers", "2", "--port", str(free_port()))
    assert code == 1
    assert "--workers 2 needs a shared bus" in out


def sessions(port: int) -> int:
    """The logins attached to the worker whose /metrics is on `port`."""
    with urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        text = reply.read().decode()
    found = re.search(r"^chatapp_sessions (\S+)$", text, re.MULTILINE)
    assert found, text
    return int(float(found.group(1)))


def pids(server: ServerProcess) -> dict[int, int]:
    """Worker number to pid, the latest start of each, as the supervisor logged them."""
    started = re.findall(r"worker (\d+) started \(pid (\d+)\)", server.output())
    return {int(index): int(pid) for index, pid in started}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def gone(pid: int) -> bool:
    """Whether `pid` has ended within a few seconds (it may be a zombie of its parent)."""
    for _ in range(100):
        if not alive(pid) or _zombie(pid):
            return True
        await asyncio.sleep(0.05)
    return False


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


async def two_workers(
    launch: Launch, mysql_url: str, redis_url: str, metrics: int
) -> ServerProcess:
    code, out = await run_cli("--init-db", "--storage", mysql_url)
    assert code == 0, out
    port = free_port()
    server = await launch(
        *("--host", "127.0.0.1", "--port", str(port), "--workers", "2"),
        *("--storage", mysql_url, "--bus", redis_url, "--hash-cost", "10"),
        *("--metrics", f"127.0.0.1:{metrics}", "--drain-timeout", "1"),
        port=port,
        options=False,
    )
    # The port accepts once one worker listens: wait for both to say they are ready.
    for probe in (metrics, metrics + 1):
        await asyncio.to_thread(ready, probe)
    return server


def ready(port: int, timeout: float = 30.0) -> None:
    """Returns once the worker whose /readyz is on `port` answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"the worker with /readyz on {port} was not ready in {timeout} s")


@pytest.mark.mysql
@pytest.mark.redis
async def test_two_workers_share_the_port_and_their_users_chat(
    launch: Launch, mysql_url: str, redis_url: str
) -> None:
    metrics = free_port(2)
    server = await two_workers(launch, mysql_url, redis_url, metrics)
    ids = [await server.register(f"user{i}") for i in range(CLIENTS)]
    clients: list[WireClient] = [(await server.login(user))[0] for user in ids]
    # The kernel spread the connections over both workers.
    assert sessions(metrics) + sessions(metrics + 1) == CLIENTS
    assert sessions(metrics) > 0 and sessions(metrics + 1) > 0
    # Each user writes to the next: wherever each is, every message arrives.
    for i, client in enumerate(clients):
        reply = await client.request(
            msgid=MsgId.ONE_CHAT, toid=ids[(i + 1) % CLIENTS], msg=f"hello {i}"
        )
        assert reply["errno"] == 0, reply
    for i, client in enumerate(clients):
        chat = await client.expect(MsgId.ONE_CHAT)
        assert chat["msg"] == f"hello {(i - 1) % CLIENTS}"
        assert chat["id"] == ids[(i - 1) % CLIENTS]

    workers = pids(server)
    assert await server.stop(signal.SIGTERM) == 0
    assert all([await gone(pid) for pid in workers.values()])
    assert server.output().count("chatapp-server stopped") == 2


@pytest.mark.mysql
@pytest.mark.redis
async def test_a_worker_that_dies_is_started_again_and_serves(
    launch: Launch, mysql_url: str, redis_url: str
) -> None:
    metrics = free_port(2)
    server = await two_workers(launch, mysql_url, redis_url, metrics)
    before = pids(server)
    await asyncio.sleep(10.5)  # past the start, where a death is a failure to start
    os.kill(before[1], signal.SIGKILL)
    async with asyncio.timeout(15):
        while pids(server)[1] == before[1]:
            await asyncio.sleep(0.1)
    said = f"worker 1 (pid {before[1]}) ended with code -9: starting it again"
    assert said in server.output()
    async with asyncio.timeout(15):
        while True:  # the new worker 1 serves its metrics once it has started
            try:
                sessions(metrics + 1)
                break
            except OSError:
                await asyncio.sleep(0.1)
    user = await server.register("after")
    await server.login(user)
    assert server.proc.returncode is None and alive(before[0])


@pytest.mark.mysql
@pytest.mark.redis
async def test_the_workers_end_with_their_supervisor(
    launch: Launch, mysql_url: str, redis_url: str
) -> None:
    server = await two_workers(launch, mysql_url, redis_url, free_port(2))
    workers = pids(server)
    server.proc.kill()  # SIGKILL: it cannot pass anything on
    await server.proc.wait()
    assert all([await gone(pid) for pid in workers.values()])


class FakeProcess:
    """A worker as the supervisor sees one: it ends when it is sent a signal, or when
    the test says."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.signals: list[int] = []
        self.code: int | None = None

    def poll(self) -> int | None:
        return self.code

    def send_signal(self, sig: int) -> None:
        self.signals.append(sig)
        self.code = 0

    def wait(self) -> int:
        assert self.code is not None, f"worker {self.pid} was never told to stop: run() hangs"
        return self.code


def supervised(spawn: Callable[[int], FakeProcess]) -> tuple[Supervisor, list[FakeProcess]]:
    made: list[FakeProcess] = []

    def start(index: int) -> FakeProcess:
        made.append(spawn(index))
        return made[-1]

    times = iter([0.0, 0.0])  # the two starts; later, long after them
    return Supervisor(2, start, clock=lambda: next(times, 100.0)), made  # type: ignore[arg-type]


@pytest.fixture
def own_signals() -> Iterator[None]:
    """Supervisor.run sets SIGINT and SIGTERM handlers: this process's are given back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_a_signal_while_the_workers_start_reaches_every_one(own_signals: None) -> None:
    supervisor: Supervisor

    def spawn(index: int) -> FakeProcess:
        if index == 0:
            supervisor._signalled(signal.SIGTERM, None)  # Ctrl+C as the first one starts
        return FakeProcess(1000 + index)

    supervisor, made = supervised(spawn)
    assert supervisor.run() == 0
    assert [p.signals for p in made] == [[signal.SIGTERM], [signal.SIGTERM]]


def test_no_worker_is_started_again_once_stopping(
    own_signals: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    supervisor, made = supervised(lambda index: FakeProcess(1000 + index))
    pause = time.sleep

    def sleep(seconds: float) -> None:
        if seconds == RESTART_PAUSE:  # a signal comes while a dead worker's restart waits
            supervisor._signalled(signal.SIGTERM, None)
        elif made and made[0].code is None and seconds == POLL:
            made[0].code = -9  # worker 0 dies, long after its start (the clock says 100 s)
        pause(0)

    monkeypatch.setattr(time, "sleep", sleep)
    assert supervisor.run() == 1  # worker 0's death was no clean stop
    assert len(made) == 2  # the dead one was not started again into a stopping supervisor
