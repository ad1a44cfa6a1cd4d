"""--log-file: the network layer's connections, logins, retries and refusals reach the file."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatapp.client.cli import setup_logging
from chatapp.client.net import LinkState, RequestFailed
from chatapp.protocol import OneChat
from chatapp.server.app import ChatServer
from chatapp.tools.services import free_port

from ..conftest import quick_connection, server_config, until


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root, ours = logging.getLogger(), logging.getLogger("chatapp")
    handlers, level, our_level = root.handlers[:], root.level, ours.level
    yield
    ours.setLevel(our_level)  # setup_logging lowers it: later tests' captures would fill
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


async def test_log_file_tells_of_logins_outages_retries_and_refusals(
    tmp_path: Path, restore_logging: None
) -> None:
    log_file = tmp_path / "client.log"
    setup_logging(log_file)
    port = free_port()
    first = ChatServer(server_config(tmp_path, port))
    await first.start()
    conn = quick_connection("127.0.0.1", port)
    try:
        await conn.register("ann", "pw")
        await conn.login("pw", name="ann")
        with pytest.raises(RequestFailed):
            await conn.request(OneChat(99999, "to nobody"))
        await first.shutdown()
        await until(lambda: conn.state is LinkState.RECONNECTING)
        second = ChatServer(server_config(tmp_path, port))
        await second.start()
        try:
            await until(lambda: conn.state is LinkState.ONLINE)
        finally:
            await conn.close()
            await second.shutdown()
    finally:
        await conn.close()
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text()
    assert f"127.0.0.1:{port} connected" in text
    assert "logged in as ann" in text
    assert "WARNING" in text and "reconnecting" in text and "attempt 1" in text
    assert "OneChat" in text and "refused" in text and "(errno 6)" in text
