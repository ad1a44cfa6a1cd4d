"""The server's log lines, text or JSON, each naming its connection's peer and user."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chatapp.protocol import MsgId
from chatapp.server.journal import Journal
from chatapp.server.logs import CONNECTION, ConnectionFilter, JsonFormatter
from chatapp.server.reports import Report
from chatapp.server.storage import DeviceAck, Logged, NewMessage
from chatapp.tools.services import free_port
from tests.server.test_process import (
    REPO,
    SERVER,
    ServerProcess,
    clean_env,
    run_cli,
)
from tests.wire import WireClient


@pytest.fixture
async def server_with(tmp_path: Path) -> AsyncIterator[Any]:
    """Starts a chatapp-server process with the given log options; stops it at the end."""
    started: list[ServerProcess] = []

    async def start(*options: str, command: Sequence[str] = SERVER) -> ServerProcess:
        port = free_port()
        log = tmp_path / f"server-{len(started)}.log"
        # Its raw clients ignore DRAIN: a 1 s drain keeps each stop quick.
        argv = [*command, "--port", str(port), "--storage", f"sqlite:///{tmp_path}/l.db"]
        with log.open("wb") as err:
            proc = await asyncio.create_subprocess_exec(
                *argv, "--hash-cost", "10", "--drain-timeout", "1", *options,
                cwd=REPO, env=clean_env(), stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
        server = ServerProcess(proc, port, log)
        started.append(server)
        await server.wait_ready()
        return server

    yield start
    for server in started:
        await server.close()


def local(client: WireClient) -> str:
    host, port = client.writer.get_extra_info("sockname")[:2]
    return f"{host}:{port}"


async def failed_login_and_bad_frame(server: ServerProcess) -> tuple[str, str, int]:
    """A login refused on one connection, a bad frame from a logged-in one; their peers,
    the user's id. The server is stopped after, so its log is complete."""
    user = await server.register("ann")
    stranger = await server.connect()
    reply = await stranger.request(msgid=MsgId.LOGIN, id=user, password="nope", v=2)
    assert reply["errno"] != 0, reply
    ann, _ = await server.login(user)
    await ann.send_raw(b"{not json\n")
    assert (await ann.recv())["msgid"] == MsgId.ERROR
    assert await server.stop(signal.SIGTERM) == 0, server.output()
    return local(stranger), local(ann), user


async def test_json_lines_carry_time_level_logger_peer_and_user(server_with: Any) -> None:
    server = await server_with("--log-format", "json", "--log-level", "DEBUG")
    stranger, ann, user = await failed_login_and_bad_frame(server)
    lines = [json.loads(line) for line in server.output().splitlines()]  # each is JSON
    for line in lines:
        assert {"time", "level", "logger", "message"} <= line.keys(), line
        assert datetime.fromisoformat(line["time"]).utcoffset() == UTC.utcoffset(None)
    (refused,) = [x for x in lines if x["message"].startswith("login refused")]
    assert refused["level"] == "INFO" and refused["peer"] == stranger and "user" not in refused
    assert refused["logger"] == "chatapp.server.handlers.accounts"
    (bad,) = [x for x in lines if x["message"].startswith("bad frame")]
    assert (bad["peer"], bad["user"], bad["level"]) == (ann, user, "DEBUG")
    (logged_in,) = [x for x in lines if x["message"].startswith("logged in")]
    assert (logged_in["peer"], logged_in["user"]) == (ann, user)
    # The shared work's lines name no connection, though connections started it.
    for line in lines:
        if line["message"].startswith(("chatapp-server listening", "chatapp-server stopped")):
            assert "peer" not in line and "user" not in line, line


# asyncio runs a transport's callbacks in copies of the context it was made in; uvloop in
# the context itself. Both must carry the connection.
ASYNCIO = [sys.executable, "-c", "import sys; sys.modules['uvloop'] = None; "
           "from chatapp.server.cli import main; sys.exit(main())"]  # fmt: skip


@pytest.mark.parametrize("command", [SERVER, ASYNCIO], ids=["uvloop", "asyncio"])
async def test_text_lines_carry_peer_and_user_in_brackets(
    server_with: Any, command: list[str]
) -> None:
    server = await server_with("--log-level", "DEBUG", command=command)  # text: the default
    stranger, ann, user = await failed_login_and_bad_frame(server)
    log = server.output()
    assert f"[peer={stranger}] login refused: wrong password or no such account" in log, log
    assert f"[peer={ann} user={user}] bad frame:" in log, log
    assert f"[peer={ann}] connected" in log, log
    (listening,) = [x for x in log.splitlines() if "chatapp-server listening" in x]
    assert "[peer=" not in listening


async def test_the_log_format_is_in_help_and_checked() -> None:
    code, out = await run_cli("--help")
    assert code == 0 and "--log-format" in out and "CHATAPP_LOG_FORMAT" in out, out
    code, out = await run_cli("--log-format", "xml")
    assert code != 0 and "--log-format" in out, out


def test_an_exception_is_one_field_of_its_line() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "failed %d", (3,), sys.exc_info()
        )
    ConnectionFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed 3" and "peer" not in line
    assert "RuntimeError: boom" in line["exception"] and "Traceback" in line["exception"]


class _Conn:
    peer = "192.0.2.1:7"
    user = None


class _Log:
    """A message log that notes in whose context its writes ran."""

    def __init__(self) -> None:
        self.seen: list[object] = []

    async def log_messages(
        self,
        batch: Sequence[NewMessage],
        acks: Sequence[DeviceAck] = (),
        *,
        seen_ms: int = 0,
        stale_ms: int = 0,
    ) -> list[Logged]:
        self.seen.append(CONNECTION.get())
        return []


async def test_the_journal_writer_is_nobody_s_though_a_connection_started_it() -> None:
    storage = _Log()
    journal = Journal(storage)  # type: ignore[arg-type]
    token = CONNECTION.set(_Conn())
    try:
        journal.ack(1, 1, 5)
    finally:
        CONNECTION.reset(token)
    await journal.drain()
    assert storage.seen == [None]


class _Lines(logging.Handler):
    """Notes each line's message and peer, as the server's handler would see them."""

    def __init__(self, expected: int) -> None:
        super().__init__()
        self.addFilter(ConnectionFilter())
        self.lines: list[tuple[str, object]] = []
        self.expected = expected
        self.complete = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.getMessage(), getattr(record, "peer", None)))
        if len(self.lines) == self.expected:
            self.complete.set()


async def test_a_report_s_summary_is_nobody_s_though_a_connection_started_it() -> None:
    logger = logging.getLogger("chatapp.test.report")
    lines = _Lines(expected=2)
    logger.addHandler(lines)
    report = Report(logger, "refused", interval=0.01)
    token = CONNECTION.set(_Conn())
    try:
        report("first")
        report("second")  # counted: its summary comes later, from a timer
    finally:
        CONNECTION.reset(token)
    try:
        async with asyncio.timeout(5):
            await lines.complete.wait()
    finally:
        logger.removeHandler(lines)
    assert lines.lines == [
        ("refused: first", _Conn.peer),
        ("refused: 1 more in the last 0.01 s, the last: second", None),
    ]
