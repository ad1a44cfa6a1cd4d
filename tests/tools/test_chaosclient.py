"""ChaosUser on a real ChatServer: what it sends is acknowledged and received once, through a
server restart that keeps resume tokens and one that refuses them."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from chatapp.client.net import Connection
from chatapp.server.app import ChatServer
from chatapp.tools.chaosclient import PASSWORD, ChaosUser, Ledger
from chatapp.tools.services import free_port
from tests.client.conftest import server_config, until


async def test_users_log_in_again_and_nothing_is_lost_or_shown_twice(tmp_path: Path) -> None:
    port = free_port()
    server = ChatServer(server_config(tmp_path, port))
    await server.start()
    setup = Connection("127.0.0.1", port)
    alice_id, bob_id = [await setup.register(name, PASSWORD) for name in ("alice", "bob")]
    await setup.close()
    ledger, stop = Ledger(), asyncio.Event()
    alice, bob = ChaosUser(alice_id, port, ledger), ChaosUser(bob_id, port, ledger)
    running = [asyncio.create_task(user.run(stop)) for user in (alice, bob)]

    def settled() -> bool:
        return not alice.outbox and not bob.outbox and not ledger.missing()

    try:
        for _ in range(3):
            alice.send(bob_id, None, frozenset({bob.sink}))
        await until(lambda: len(ledger.expected) == 3 and settled())
        await server.shutdown()
        bob.send(alice_id, None, frozenset({alice.sink}))  # waits for the resumed session
        server = ChatServer(server_config(tmp_path, port))
        await server.start()
        await until(lambda: ledger.reconnects == 2 and len(ledger.expected) == 4 and settled())
        await server.shutdown()
        # A month and more later: every resume token has expired; the users log in again.
        server = ChatServer(server_config(tmp_path, port), clock=lambda: time.time() + 10**8)
        await server.start()
        await until(lambda: ledger.password_logins == 2)
        alice.send(bob_id, None, frozenset({bob.sink}))
        await until(lambda: len(ledger.expected) == 5 and settled())
        assert ledger.duplicates == 0 and ledger.attempted == 5
        expected = {m for m, to in ledger.expected.items() if bob.sink in to}
        assert ledger.received[bob.sink] == expected
    finally:
        stop.set()
        await asyncio.gather(*running)
        await server.shutdown()
