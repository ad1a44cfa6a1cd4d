"""Server-wide budgets: connections, and connections not logged in; and how their
refusals reach the log."""

from __future__ import annotations

import logging

import pytest

from chatapp.protocol import Errno, MsgId
from chatapp.server.reports import Report
from tests.server.lab import Start, errno_of, login, until
from tests.wire import WireClient

MIB = 1024 * 1024
BUSY = {"msgid": MsgId.ERROR, "errno": Errno.BUSY}


async def refused(client: WireClient) -> str:
    """The ERROR errno 16 a refused connection gets before its close; its text."""
    error = await client.recv()
    assert {k: error[k] for k in ("msgid", "errno")} == BUSY, error
    assert await client.closed()
    return str(error["errmsg"])


# --- connections -----------------------------------------------------------------------


async def test_connections_past_the_maximum_are_told_errno_16_closed_and_logged(
    start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    lab = await start(max_connections=3)
    clients = [await lab.connect() for _ in range(3)]
    for client in clients:
        await client.quiet()  # admitted, and served
    with caplog.at_level(logging.WARNING, logger="chatapp.server.listener"):
        assert (
            await refused(await lab.connect()) == "server busy, too many connections: retry later"
        )
    assert "connection refused: the server is at capacity (errno 16)" in caplog.text
    assert "too many connections (3 open)" in caplog.text
    await clients[0].close()
    await until(lambda: len(lab.server.sessions) == 2)  # the server saw it go
    newcomer = await lab.connect()
    await newcomer.quiet()
    for client in clients[1:]:
        await client.quiet()  # those admitted before were never disturbed


async def test_connections_not_logged_in_are_capped_apart_from_logged_in_ones(
    start: Start,
) -> None:
    lab = await start(max_anonymous=2)
    carol = await lab.users.register("carol")
    for _ in range(3):
        await lab.online()
    await until(lambda: len(lab.server.sessions) == 3)  # the registering ones have gone
    waiting = [await lab.connect() for _ in range(2)]
    for client in waiting:
        await client.quiet()
    text = await refused(await lab.connect())
    assert text == "server busy, too many connections not logged in: retry later"
    assert errno_of(await login(waiting[0], id=carol)) == 0  # one of two logs in ...
    latecomer = await lab.connect()  # ... and makes room for another
    await latecomer.quiet()


async def test_a_report_logs_the_first_at_once_and_sums_up_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    report = Report(logging.getLogger("chatapp.test"), "refused", interval=60)
    with caplog.at_level(logging.WARNING, logger="chatapp.test"):
        for n in range(5):
            report(f"client {n}")
        assert caplog.messages == ["refused: client 0"]
        report.close()  # what is counted is said before the server stops
    assert caplog.messages == [
        "refused: client 0",
        "refused: 4 more in the last 60 s, the last: client 4",
    ]
