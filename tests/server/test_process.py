"""A real chatapp-server process: command line, environment, graceful shutdown on signals."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from chatapp.protocol import MsgId
from chatapp.server.config import Config
from chatapp.tools.services import free_port
from tests.wire import WireClient

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 15.0
STOP_SECONDS = 5.0
SERVER = [sys.executable, "-m", "chatapp.server.cli"]


def with_open_files(files: int) -> list[str]:
    """The server's command with its limit on open files (soft and hard) set to `files`."""
    code = (
        f"import resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, ({files}, {files})); "
        "from chatapp.server.cli import main; sys.exit(main())"
    )
    return [sys.executable, "-c", code]


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without CHATAPP_ settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATAPP_")}
    env.update(extra)
    return env


class ServerProcess:
    """One chatapp-server subprocess, its log in a file, and clients of it."""

    def __init__(self, proc: asyncio.subprocess.Process, port: int, log: Path) -> None:
        self.proc = proc
        self.port = port
        self.log = log
        self.clients: list[WireClient] = []

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    async def wait_ready(self) -> None:
        """Retries connecting until the server answers a PING: its loop and signals are set."""
        async with asyncio.timeout(START_SECONDS):
            while True:
                assert self.proc.returncode is None, f"server exited:\n{self.output()}"
                try:
                    client = await WireClient.connect(self.port)
                except OSError:
                    await asyncio.sleep(0.05)  # not listening yet: retry under the deadline
                    continue
                await client.quiet()
                await client.close()
                return

    async def connect(self, *, legacy: bool = False) -> WireClient:
        client = await WireClient.connect(self.port, legacy=legacy)
        self.clients.append(client)
        return client

    async def register(self, name: str) -> int:
        client = await self.connect()
        reply = await client.request(msgid=MsgId.REG, name=name, password="pw", v=2)
        assert reply["errno"] == 0, reply
        return int(reply["id"])

    async def login(
        self, user_id: int, *, legacy: bool = False
    ) -> tuple[WireClient, dict[str, Any]]:
        client = await self.connect(legacy=legacy)
        await client.send(msgid=MsgId.LOGIN, id=user_id, password="pw", v=1 if legacy else 2)
        ack = await client.expect(MsgId.LOGIN_ACK)
        assert ack["errno"] == 0, ack
        return client, ack

    async def stop(self, sig: signal.Signals) -> int:
        """Sends `sig`; returns the exit code, which must come within STOP_SECONDS."""
        self.proc.send_signal(sig)
        async with asyncio.timeout(STOP_SECONDS):
            return await self.proc.wait()

    async def close(self) -> None:
        for client in self.clients:
            await client.close()
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


Launch = Callable[..., Awaitable[ServerProcess]]


@pytest.fixture
async def launch(tmp_path: Path) -> AsyncIterator[Launch]:
    """Starts chatapp-server processes on one database; kills any left running at the end."""
    started: list[ServerProcess] = []
    db_url = f"sqlite:///{tmp_path}/c.db"

    async def start(
        *args: str,
        port: int | None = None,
        env: dict[str, str] | None = None,
        options: bool = True,
        command: list[str] = SERVER,
    ) -> ServerProcess:
        port = port or free_port()
        argv = [*command, *args]
        if options:
            argv += [
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--storage",
                db_url,
                "--hash-cost",
                "10",
            ]
            if "--drain-timeout" not in args:  # its clients ignore DRAIN: keep stops quick
                argv += ["--drain-timeout", "1"]
        log = tmp_path / f"server-{len(started)}.log"
        with log.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                cwd=REPO,
                env=env or clean_env(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=out,
            )
        server = ServerProcess(proc, port, log)
        started.append(server)
        await server.wait_ready()
        return server

    yield start
    for server in started:
        await server.close()
        # Shown by pytest only where the test failed: what each server logged.
        print(f"--- {server.log.name} ---\n{server.output()[-6000:]}")


async def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *SERVER,
        *args,
        cwd=REPO,
        env=env or clean_env(COLUMNS="200"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    async with asyncio.timeout(START_SECONDS):
        out, _ = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode()


# --- shutdown -------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_signal_stops_the_server_cleanly_and_the_data_survives(
    launch: Launch, sig: signal.Signals
) -> None:
    first = await launch()
    alice = await first.register("alice")
    bob = await first.register("bob")
    carol = await first.register("carol")
    a, _ = await first.login(alice)
    b, _ = await first.login(bob, legacy=True)
    ack = await a.request(msgid=MsgId.ADD_FRIEND, friendid=bob)
    assert ack["errno"] == 0, ack
    await b.send(msgid=MsgId.ADD_FRIEND, id=bob, friendid=alice)  # bob's console accepts
    assert (await a.expect(MsgId.FRIEND_EVENT))["event"] == "accepted"
    mids = []
    for text in ("kept", "over the restart"):
        reply = await a.request(msgid=MsgId.ONE_CHAT, toid=carol, msg=text)
        mids.append(reply["mid"])

    first.proc.send_signal(sig)
    # The current client is told to move, and served until it goes; the legacy one is not.
    assert 0 <= (await a.expect(MsgId.DRAIN))["retry_ms"] <= 1000
    reply = await a.request(msgid=MsgId.ONE_CHAT, toid=carol, msg="while draining")
    mids.append(reply["mid"])
    await a.close()  # it moves on: the server need not wait out --drain-timeout
    async with asyncio.timeout(STOP_SECONDS):
        assert await first.proc.wait() == 0, first.output()
    assert await b.closed()

    second = await launch()
    # Nobody is left "online": everyone logs in; the stored messages and friends are there.
    _, ack_a = await second.login(alice)
    assert ack_a["friends"] == [{"id": bob, "name": "bob", "state": "offline"}]
    _, ack_c = await second.login(carol)
    assert [(m["msg"], m["mid"]) for m in ack_c["offlinemsg"]] == list(
        zip(("kept", "over the restart", "while draining"), mids, strict=True)
    )
    await second.login(bob, legacy=True)
    assert await second.stop(signal.SIGTERM) == 0, second.output()


async def test_after_a_crash_nobody_is_stuck_online_and_acked_chats_survive(
    launch: Launch,
) -> None:
    """Fault 7: users of a killed instance log in again; what was acknowledged is kept."""
    first = await launch()
    alice = await first.register("alice")
    bob = await first.register("bob")
    a, _ = await first.login(alice)
    ack = await a.request(msgid=MsgId.ONE_CHAT, toid=bob, msg="just before the crash")
    assert ack["msgid"] == MsgId.ACK, ack
    first.proc.kill()
    async with asyncio.timeout(STOP_SECONDS):
        await first.proc.wait()
    assert await a.closed()
    second = await launch()
    _, ack_a = await second.login(alice)
    assert ack_a["id"] == alice
    _, ack_b = await second.login(bob)
    assert [m["mid"] for m in ack_b["offlinemsg"]] == [ack["mid"]]
    assert await second.stop(signal.SIGTERM) == 0, second.output()


async def test_while_draining_new_connections_are_refused_and_a_second_signal_ends_it(
    launch: Launch,
) -> None:
    server = await launch("--drain-timeout", "60")
    alice = await server.register("alice")
    a, _ = await server.login(alice)
    server.proc.send_signal(signal.SIGTERM)
    await a.expect(MsgId.DRAIN)  # and it stays, unlike chatapp-client
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", server.port)
    assert await server.stop(signal.SIGTERM) == 0, server.output()  # not 60 s later
    assert await a.closed()
    assert "ending the drain" in server.output()


async def test_shutdown_with_no_clients_is_quick_and_clean(launch: Launch) -> None:
    server = await launch()
    assert await server.stop(signal.SIGTERM) == 0, server.output()


# --- command line and environment -----------------------------------------------------


async def test_help_lists_every_option_and_its_environment_variable() -> None:
    code, out = await run_cli("--help")
    assert code == 0, out
    text = " ".join(out.split())
    for f in fields(Config):
        option = "--" + f.name.replace("_", "-")
        assert re.search(rf"{option}\b", text), f"{option} missing from --help"
        assert f"CHATAPP_{f.name.upper()}" in text, f"CHATAPP_{f.name.upper()} missing"
    for option in ("--init-db", "--log-level", "--version", "--help"):
        assert option in text


async def test_the_port_can_come_from_chatapp_port(launch: Launch, tmp_path: Path) -> None:
    port = free_port()
    env = clean_env(
        CHATAPP_PORT=str(port),
        CHATAPP_HOST="127.0.0.1",
        CHATAPP_STORAGE=f"sqlite:///{tmp_path}/env.db",
        CHATAPP_HASH_COST="10",
        CHATAPP_DRAIN_TIMEOUT="1",  # the login below ignores its DRAIN
    )
    server = await launch(port=port, env=env, options=False)
    alice = await server.register("alice")
    await server.login(alice)
    assert await server.stop(signal.SIGTERM) == 0, server.output()


async def test_an_option_wins_over_the_environment(launch: Launch) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    try:
        env = clean_env(CHATAPP_PORT=str(taken.getsockname()[1]))
        server = await launch(env=env)  # --port given too, on a free port
        assert await server.stop(signal.SIGTERM) == 0, server.output()
    finally:
        taken.close()


async def test_an_invalid_environment_value_is_refused() -> None:
    code, out = await run_cli(env=clean_env(CHATAPP_PORT="not-a-port"))
    assert code != 0
    assert "CHATAPP_PORT" in out


async def test_a_fatal_signal_from_storage_leaves_a_traceback_in_the_log(
    launch: Launch, tmp_path: Path
) -> None:
    """SQLite maps its -shm file; truncated under it (or on a full disk), the next access
    is SIGBUS, which no program can answer. The log must say what happened."""
    server = await launch()
    await server.register("ann")
    os.truncate(tmp_path / "c.db-shm", 0)
    client = await server.connect()
    await client.send(msgid=MsgId.REG, name="bob", password="pw", v=2)
    async with asyncio.timeout(STOP_SECONDS):
        code = await server.proc.wait()
    assert code == -signal.SIGBUS
    log = server.output()
    assert "Fatal Python error: Bus error" in log and "chatapp/server/storage" in log, log


# --- out of file descriptors -----------------------------------------------------------


async def test_out_of_file_descriptors_accepts_wait_and_the_log_says_why(launch: Launch) -> None:
    """uvloop would accept and close such connections unlogged; here they wait in the
    backlog, the log says why (once per interval), and they are served once
    descriptors are free again."""
    server = await launch("--max-connections", "1000", command=with_open_files(64))
    assert "the open-file limit (64) is below --max-connections (1000)" in server.output()
    clients = [await WireClient.connect(server.port) for _ in range(80)]  # past 64 in all
    async with asyncio.timeout(START_SECONDS):
        while "accept failed" not in server.output():
            await asyncio.sleep(0.05)  # the server is busy accepting: the log is the sign
    log = server.output()
    assert (
        "accept failed: the connection waits in the backlog: Too many open files (errno 24)" in log
    )
    assert "open-file limit 64" in log
    assert log.count("accept failed") == 1  # once, however often it failed
    for client in clients[:40]:
        await client.close()
    for client in clients[40:]:  # those that waited are served now
        await client.quiet()
        await client.close()
    assert await server.stop(signal.SIGTERM) == 0, server.output()
