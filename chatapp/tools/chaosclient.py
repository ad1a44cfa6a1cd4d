"""ChaosUser: one user of a chaos run on chatapp-client's own Connection, and the Ledger
that audits them all.

Each user is a `chatapp.client.net.Connection`: it logs in once with id and password, then
reconnects by itself with resume tokens, sends chats in flight again with their cid,
acknowledges what it receives and fills gaps with SYNC, all in the real client's code.
Where that Connection gives up, the user does what a person would: a message whose request
failed (it waited past its timeout, or the server refused it) is sent again with the same
cid, which the server logs once; a refused resume token is followed by a password login.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Coroutine
from dataclasses import dataclass, field

from chatapp.client.net import (
    Backoff,
    ClientError,
    Connection,
    Disconnected,
    LoggedIn,
    LoginNeeded,
    RequestFailed,
    RequestTimeout,
    Sendable,
)
from chatapp.protocol import Ack, Chat, ChatMessage, GroupChat, GroupMessage, OneChat, Sync

PASSWORD = "pw"
RETRY_PAUSE = 0.5  # seconds a user waits before sending again, or logging in again
# Reconnect as chatapp-client does, but without its 30 s ceiling: a run lasts a minute.
BACKOFF = Backoff(base=0.05, cap=1.0)


Sink = tuple[int, int]
"""A device of a user, (user id, device number): what receives, and is audited."""


@dataclass
class Ledger:
    """Every acknowledged message and which devices must receive it (each device of its
    recipients, and the sender's other devices, which get it as SENT), and what each
    device received."""

    expected: dict[int, frozenset[Sink]] = field(default_factory=dict)
    received: dict[Sink, set[int]] = field(default_factory=dict)
    attempted: int = 0
    duplicates: int = 0
    """Messages the client passed on twice in one login: its de-duplication failed."""
    again_after_login: int = 0
    """Messages passed on again after a password login: the refused token took the
    client's record of deliveries with it; chatapp-client's state drops them by mid."""
    resent: int = 0
    """Messages sent again, with their cid, after a refusal or a request that timed out."""
    syncs: int = 0
    reconnects: int = 0
    password_logins: int = 0
    refusals: dict[int, int] = field(default_factory=dict)

    def missing(self) -> list[tuple[int, Sink]]:
        """(mid, device) for each acknowledged message a device has not received."""
        return [
            (mid, sink)
            for mid, sinks in self.expected.items()
            for sink in sinks
            if mid not in self.received.get(sink, set())
        ]

    def summary(self, unacked: int) -> dict[str, int]:
        deliveries = sum(len(users) for users in self.expected.values())
        lost = len(self.missing())
        return {
            "sent": self.attempted,
            "acknowledged": len(self.expected),
            "unacknowledged": unacked,
            "deliveries_expected": deliveries,
            "received": deliveries - lost,
            "lost": lost,
            "duplicates": self.duplicates,
            "again_after_login": self.again_after_login,
            "resent": self.resent,
            "syncs": self.syncs,
            "reconnects": self.reconnects,
            "password_logins": self.password_logins,
            "devices": len(self.received),
            "users": len({uid for uid, _ in self.received}),
        }

    def refused(self, errno: int) -> None:
        self.refusals[int(errno)] = self.refusals.get(int(errno), 0) + 1


class CountedConnection(Connection):
    """chatapp-client's Connection, counting the SYNCs its inbox sends to fill gaps."""

    def __init__(self, host: str, port: int, ledger: Ledger) -> None:
        super().__init__(host, port, backoff=BACKOFF)
        self.ledger = ledger

    async def request(self, request: Sendable) -> Ack:
        if isinstance(request, Sync):
            self.ledger.syncs += 1
        return await super().request(request)


class ChaosUser:
    """One user of a chaos run, connected through the load balancer."""

    def __init__(self, user_id: int, port: int, ledger: Ledger, device: int = 0) -> None:
        self.user_id = user_id
        self.device = device
        self.sink: Sink = (user_id, device)
        self.name = f"chaos device {device}"
        self.ledger = ledger
        self.logged_in = asyncio.Event()
        self.conn = CountedConnection("127.0.0.1", port, ledger)
        self.conn.device = self.name
        self.outbox: dict[str, OneChat | GroupChat] = {}  # sent, not yet acknowledged
        self._shown: set[int] = set()  # mids passed on since the last password login
        self._numbers = itertools.count()
        self._tasks: set[asyncio.Task[None]] = set()
        self._login: asyncio.Task[None] | None = None
        ledger.received.setdefault(self.sink, set())

    # --- what the run asks of it ---------------------------------------------------

    def send(self, to: int | None, group: int | None, recipients: frozenset[Sink]) -> None:
        """Sends a message (to a user, or to a group) until it is acknowledged; the devices
        in `recipients` must each receive it."""
        cid = f"{self.user_id}.{self.device}-{next(self._numbers)}"
        text = f"chaos {cid}"
        chat: OneChat | GroupChat
        if group is not None:
            chat = GroupChat(group, text, cid=cid)
        else:
            chat = OneChat(to or 0, text, cid=cid)
        self.outbox[cid] = chat
        self.ledger.attempted += 1
        self._spawn(self._deliver(chat, recipients))

    async def run(self, stop: asyncio.Event) -> None:
        """Logs in, then takes what arrives until `stop`; closes the connection."""
        reader = asyncio.create_task(self._read())
        self._log_in_again()
        await stop.wait()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.conn.close()
        await reader

    # --- sending ---------------------------------------------------------------------

    async def _deliver(self, chat: OneChat | GroupChat, recipients: frozenset[Sink]) -> None:
        while True:
            try:
                ack = await self.conn.request(chat)
            except RequestFailed as exc:
                self.ledger.refused(exc.errno)
                self.ledger.resent += 1
            except RequestTimeout:
                self.ledger.resent += 1
            except Disconnected:
                pass  # no session to take it: its token was refused, the password brings one
            else:
                self.ledger.expected[ack.mid or 0] = recipients
                del self.outbox[chat.cid or ""]
                return
            await asyncio.sleep(RETRY_PAUSE)

    # --- sessions and what comes in ----------------------------------------------------

    def _log_in_again(self) -> None:
        if self._login is None or self._login.done():
            self._login = self._spawn(self._log_in())

    async def _log_in(self) -> None:
        """Logs in with the password, as its named device (which keeps its place in the
        user's sequence), trying again until the server lets it."""
        while True:
            try:
                await self.conn.login(PASSWORD, id=self.user_id)
                self.logged_in.set()
                return
            except ClientError as exc:
                if isinstance(exc, RequestFailed):
                    self.ledger.refused(exc.errno)
            await asyncio.sleep(RETRY_PAUSE)

    async def _read(self) -> None:
        async for item in self.conn.events():
            if isinstance(item, ChatMessage | GroupMessage):
                self._show(item)
            elif isinstance(item, LoggedIn):
                self.ledger.reconnects += item.again
                for chat in item.ack.offlinemsg:
                    self._show(chat)
            elif isinstance(item, LoginNeeded):
                # The connection forgot what it held with the token; so does the count.
                self.ledger.password_logins += 1
                self._shown.clear()
                self._log_in_again()

    def _show(self, chat: Chat) -> None:
        """What chatapp-client would show: each mid must come once per login."""
        received = self.ledger.received[self.sink]
        if chat.mid in self._shown:
            self.ledger.duplicates += 1
        elif chat.mid in received:
            self.ledger.again_after_login += 1
        self._shown.add(chat.mid)
        received.add(chat.mid)

    def _spawn(self, job: Coroutine[object, object, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
