"""Nothing typed is lost: chats wait out an outage of any length, and a client restart,
and go out with their cid after the next login; only a refusal fails them."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest

from chatapp.client.net import (
    Backoff,
    Connection,
    Disconnected,
    LinkState,
    LoggedIn,
    RequestFailed,
)
from chatapp.client.net.saved import SavedChats
from chatapp.client.settings import data_path
from chatapp.protocol import ChatMessage, GroupChat, OneChat
from chatapp.server.app import ChatServer
from chatapp.tools.services import free_port

from ..conftest import server_config, until


def patient(port: int, outbox: Path | None = None) -> Connection:
    """A connection whose other requests give up after 0.1 s in the outbox."""
    return Connection(
        "127.0.0.1",
        port,
        request_timeout=5.0,
        queue_timeout=0.1,
        backoff=Backoff(base=0.02, cap=0.05),
        outbox=outbox,
    )


async def received(conn: Connection) -> list[str]:
    """The texts of the chats `conn` is given until it has been quiet a moment."""
    texts: list[str] = []

    async def read() -> None:
        async for item in conn.events():
            if isinstance(item, ChatMessage):
                texts.append(item.msg)
            elif isinstance(item, LoggedIn):
                texts.extend(chat.msg for chat in item.ack.offlinemsg)

    reader = asyncio.create_task(read())
    await asyncio.wait([reader], timeout=0.5)
    reader.cancel()
    return texts


async def test_chats_wait_out_a_long_outage_and_go_after_the_reconnect(tmp_path: Path) -> None:
    port = free_port()
    first = ChatServer(server_config(tmp_path, port))
    await first.start()
    ann, bob = patient(port), patient(port)
    second: ChatServer | None = None
    try:
        await ann.register("ann", "pw")
        bob_id = await bob.register("bob", "pw")
        await ann.login("pw", name="ann")
        await first.shutdown()
        await until(lambda: ann.state is LinkState.RECONNECTING)
        queued = asyncio.create_task(ann.request(OneChat(bob_id, "typed in the outage")))
        done, _ = await asyncio.wait([queued], timeout=0.5)  # five times the queue timeout
        assert not done
        second = ChatServer(server_config(tmp_path, port))
        await second.start()
        ack = await asyncio.wait_for(queued, 10)
        assert ack.mid
        await bob.login("pw", name="bob")
        assert await received(bob) == ["typed in the outage"]
        with pytest.raises(RequestFailed):  # a refusal still fails at once
            await ann.request(OneChat(99999, "to nobody"))
    finally:
        await ann.close()
        await bob.close()
        if second is not None:
            await second.shutdown()


async def test_the_outbox_survives_a_restart_and_goes_with_its_cid(tmp_path: Path) -> None:
    port, outbox = free_port(), tmp_path / "data"
    first = ChatServer(server_config(tmp_path, port))
    await first.start()
    ann, bob = patient(port, outbox), patient(port)
    later = patient(port, outbox)
    second: ChatServer | None = None
    try:
        await ann.register("ann", "pw")
        bob_id = await bob.register("bob", "pw")
        await ann.login("pw", name="ann")
        await first.shutdown()
        await until(lambda: ann.state is LinkState.RECONNECTING)
        queued = asyncio.create_task(ann.request(OneChat(bob_id, "typed, then quit")))
        await until(lambda: ann._pending.outbox)
        await ann.close()  # the user quits while the server is away
        with pytest.raises(Disconnected):
            await queued
        saved = SavedChats(outbox, "127.0.0.1", port)
        (kept,) = saved.chats(1)
        assert isinstance(kept, OneChat) and kept.msg == "typed, then quit" and kept.cid
        second = ChatServer(server_config(tmp_path, port))
        await second.start()
        await later.login("pw", name="ann")  # the client runs again
        await until(lambda: not SavedChats(outbox, "127.0.0.1", port).chats(1))
        await bob.login("pw", name="bob")
        assert await received(bob) == ["typed, then quit"]
    finally:
        await ann.close()
        await bob.close()
        await later.close()
        if second is not None:
            await second.shutdown()


def test_saved_chats_keep_their_cid_per_user_and_server(tmp_path: Path) -> None:
    saved = SavedChats(tmp_path, "example.org", 6000)
    saved.user = 1
    saved.add(OneChat(2, "hi", cid="c1", rid=7))
    saved.add(GroupChat(3, "all", cid="c2"))
    saved.add(OneChat(2, "hi", cid="c1", rid=8))  # sent again: kept once
    saved.user = 5
    saved.add(OneChat(1, "other user", cid="c3"))
    again = SavedChats(tmp_path, "example.org", 6000)
    assert again.chats(1) == [OneChat(2, "hi", cid="c1"), GroupChat(3, "all", cid="c2")]
    assert SavedChats(tmp_path, "example.org", 6001).chats(1) == []
    again.remove("c1")
    assert [c.cid for c in SavedChats(tmp_path, "example.org", 6000).chats(1)] == ["c2"]
    assert [c.cid for c in SavedChats(tmp_path, "example.org", 6000).chats(5)] == ["c3"]


def test_the_client_keeps_its_outbox_in_the_data_directory(tmp_path: Path) -> None:
    assert data_path(tmp_path) == tmp_path
    assert data_path().name == "chatapp"


@pytest.mark.usefixtures("umask_022")
def test_the_outbox_is_readable_by_its_owner_alone(tmp_path: Path) -> None:
    saved = SavedChats(tmp_path / "data", "example.org", 6000)
    saved.user = 1
    saved.add(OneChat(2, "not for other users of this machine", cid="c1"))
    assert stat.S_IMODE(saved.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(saved.path.parent.stat().st_mode) == 0o700
    saved.path.with_suffix(".tmp").write_text("left by a crash")  # 0644, and in the way
    saved.add(OneChat(2, "again", cid="c2"))
    assert stat.S_IMODE(saved.path.stat().st_mode) == 0o600
    assert [c.cid for c in saved.chats(1)] == ["c1", "c2"]
