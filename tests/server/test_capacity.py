"""Server-wide budgets: connections, connections not logged in, silent sockets, and the
bytes queued to clients that do not read; and how their refusals reach the log."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Any

import orjson
import pytest

from chatapp.protocol import Errno, MsgId
from chatapp.server.app import ChatServer
from chatapp.server.reports import Report
from chatapp.server.session import Session
from tests.server.lab import Lab, Start, errno_of, login, until
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


async def test_a_silent_socket_that_never_logs_in_has_until_the_login_deadline(
    start: Start,
) -> None:
    """The original console client connects, then waits silently for a person at its
    menu: silence before a login is not idleness; the login deadline alone applies."""
    lab = await start(idle_timeout=0.3, login_timeout=1.2)
    silent = await lab.connect()
    _, talker = await lab.online()
    for _ in range(3):  # 0.6 s of the talker's pings: the idle limit twice over
        await asyncio.sleep(0.2)  # letting time pass is the point of this test
        await talker.quiet()
    await silent.quiet()  # still open, past the idle limit
    await asyncio.sleep(0.4)
    assert await silent.closed()  # at the login deadline


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


# --- the outbound budget -----------------------------------------------------------------

TEXT = "x" * 16_000  # four make a HISTORY page, which a frame (64 KiB) bounds
SHARE = 50  # HISTORY requests whose pages come to about 3.2 MB
# One connection may hold much more than the budget: only the budget drops anyone here.
ROOMY = 64 * MIB


class NonReader:
    """A client that sends its requests and never reads a byte of the replies, on a
    socket with as small a receive buffer as the kernel allows."""

    def __init__(self, lab: Lab, sock: socket.socket, session: Session) -> None:
        self.lab = lab
        self.sock = sock
        self.session = session

    @classmethod
    async def connect(cls, lab: Lab) -> NonReader:
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await loop.sock_connect(sock, ("127.0.0.1", lab.server.port))
        await loop.sock_sendall(sock, b'{"msgid":14}\n')  # once answered, it is a session
        assert await loop.sock_recv(sock, 64) == b'{"msgid":15}\n'
        port = sock.getsockname()[1]
        (session,) = (s for s in lab.server.sessions if s.peer.endswith(f":{port}"))
        return cls(lab, sock, session)

    async def send(self, *requests: dict[str, Any]) -> None:
        data = b"".join(orjson.dumps(r) + b"\n" for r in requests)
        await asyncio.get_running_loop().sock_sendall(self.sock, data)

    async def outcome(self) -> str:
        """ "served" once the server has handled every request sent, "dropped" if it
        dropped the connection instead."""
        session = self.session
        await until(lambda: not session.alive or handled(session), timeout=30)
        return "served" if session.alive else "dropped"

    async def reading(self) -> WireClient:
        """From now on, a client that reads."""
        reader, writer = await asyncio.open_connection(sock=self.sock)
        client = WireClient(reader, writer, legacy=False)
        self.lab.clients.append(client)
        return client


def handled(session: Session) -> bool:
    """The session has logged in and handled every request it read (no client can tell
    this of a connection that does not read)."""
    return session.user is not None and session._waiting is None and not session._frames


def queued(server: ChatServer) -> int:
    """The bytes the server holds for its clients, in all."""
    return sum(s.queued() for s in server.sessions)


async def chatty_group(lab: Lab, readers: int) -> tuple[int, list[int]]:
    """A group with a full HISTORY page of long messages, and `readers` members, each
    with one chat waiting for them since they were last online."""
    _, talker = await lab.online()
    group = (await talker.request(msgid=MsgId.CREATE_GROUP, groupname="big"))["groupid"]
    for _ in range(8):
        assert errno_of(await talker.request(msgid=MsgId.GROUP_CHAT, groupid=group, msg=TEXT)) == 0
    ids = []
    for n in range(readers):
        user_id, client = await lab.online()
        assert errno_of(await client.request(msgid=MsgId.ADD_GROUP, groupid=group)) == 0
        await client.close()
        await until(lambda: lab.server.logged_in <= 1)  # gone offline
        reply = await talker.request(msgid=MsgId.ONE_CHAT, toid=user_id, msg=f"for {n}")
        assert errno_of(reply) == 0
        ids.append(user_id)
    return group, ids


async def ask_pages(lab: Lab, user_id: int, group: int, shares: int) -> NonReader:
    """Logs `user_id` in and asks for `shares` times SHARE pages of the group's history
    (the newest page each time), unread."""
    client = await NonReader.connect(lab)
    page = {"msgid": MsgId.HISTORY, "groupid": group}
    await client.send(
        {"msgid": MsgId.LOGIN, "id": user_id, "password": "pw", "v": 2}, *[page] * shares * SHARE
    )
    return client


async def waiting_for(lab: Lab, user_id: int) -> list[str]:
    """The chats the user's next login finds waiting (a reading client, logged out after)."""
    client = await lab.connect()
    ack = await login(client, id=user_id)
    assert errno_of(ack) == 0
    assert errno_of(await client.request(msgid=MsgId.LOGOUT)) == 0
    return [m["msg"] for m in ack["offlinemsg"]]


async def test_past_the_budget_the_connection_holding_most_is_dropped_and_loses_nothing(
    start: Start,
) -> None:
    budget = 8 * MIB
    lab = await start(max_outbound_total=budget, max_outbound_bytes=ROOMY, rate_limit=0)
    group, (big, small, medium) = await chatty_group(lab, 3)
    # The kernel takes about a share of each; the rest waits in the server: about two
    # shares for the big one, little for the small one, one share for the medium one.
    holders = {}
    for user_id, shares in ((big, 3), (small, 1), (medium, 2)):
        holders[user_id] = client = await ask_pages(lab, user_id, group, shares)
        await client.outcome()
        assert queued(lab.server) <= budget
    # The medium one took the total past the budget; the big one made room for it.
    assert [await holders[u].outcome() for u in (big, small, medium)] == [
        "dropped",
        "served",
        "served",
    ]
    async with asyncio.timeout(5):
        while await lab.server.bus.online([big]):
            await asyncio.sleep(0.02)  # the logout runs after the close
    assert await lab.server.bus.online([big, small, medium]) == {small, medium}
    for user_id, shares in ((small, 1), (medium, 2)):  # they are served in full
        reader = await holders[user_id].reading()
        assert (await reader.expect(MsgId.LOGIN_ACK))["errno"] == 0
        for _ in range(shares * SHARE):
            assert len((await reader.expect(MsgId.ACK))["messages"]) == 4
        await reader.quiet()
    assert await waiting_for(lab, big) == ["for 0"]  # nothing was lost for the big one


def rss() -> int:
    """This process's resident memory in bytes: the server runs in it."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def test_many_connections_asking_big_pages_unread_keep_memory_within_the_budget(
    start: Start,
) -> None:
    """The finding: accounts that each ask for pages and never read. Each would hold about
    6.6 MB (about 100 MB in all at each round); the budget holds it to 8 MiB, round after
    round."""
    budget, readers, rounds = 8 * MIB, 16, 3
    lab = await start(max_outbound_total=budget, max_outbound_bytes=ROOMY, rate_limit=0)
    group, ids = await chatty_group(lab, readers)
    before = rss()
    for _ in range(rounds):  # bounded: rounds x readers connections
        clients = [await ask_pages(lab, user_id, group, 3) for user_id in ids]
        outcomes = [await client.outcome() for client in clients]
        assert queued(lab.server) <= budget
        assert {"dropped", "served"} <= set(outcomes)
        assert rss() - before < 6 * budget  # without the budget: more than 12 budgets
        for client in clients:
            client.sock.close()
        await until(lambda: lab.server.logged_in == 1)  # only the talker is left
    for n, user_id in enumerate(ids):  # nobody lost the chat waiting for them
        assert await waiting_for(lab, user_id) == [f"for {n}"]
