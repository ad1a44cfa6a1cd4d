"""The hashing queue and registration limits: logins are hashed before registrations,
what waits is bounded (errno 16), and one address registers only so often (errno 17).

A spy on the hashing threads records the order in which hashes start and can hold the
one thread on a registration whose password is HOLD, so that the queue behind it fills
up exactly as a test wants; the hashes themselves are the real scrypt.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from chatapp.protocol import Errno, MsgId
from chatapp.server import hashing, passwords
from chatapp.server.errors import ChatError
from chatapp.server.hashing import HashQueue
from chatapp.server.passwords import hash_password
from tests.server.lab import Lab, Start, errno_of, login, until
from tests.wire import TIMEOUT, WireClient

HOLD = "hold the thread"
COST = 4  # log2 N: the cheapest hash, for the queue's own tests


class Spy:
    """Watches the hashing threads: the order in which hashes start, and a gate that keeps
    the thread on a registration of password HOLD until the test opens it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started: list[str] = []
        self.gate = threading.Event()
        real_hash, real_verify = passwords.hash_password, passwords.verify_password

        def spied_hash(password: str, cost: int) -> str:
            self.started.append(f"reg {password}")
            if password == HOLD:
                self.gate.wait(TIMEOUT)
            return real_hash(password, cost)

        def spied_verify(password: str, encoded: str) -> bool:
            self.started.append(f"login {password}")
            return real_verify(password, encoded)

        monkeypatch.setattr(hashing, "hash_password", spied_hash)
        monkeypatch.setattr(hashing, "verify_password", spied_verify)

    async def holding(self) -> None:
        """Returns once the thread is held."""
        await until(lambda: f"reg {HOLD}" in self.started)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Spy]:
    watcher = Spy(monkeypatch)
    yield watcher
    watcher.gate.set()  # no thread stays held after the test


# --- the queue itself ------------------------------------------------------------------


async def test_password_checks_go_ahead_of_registrations_that_waited_longer(spy: Spy) -> None:
    queue = HashQueue(threads=1, max_waiting=10)
    encoded = hash_password("secret", COST)
    held = queue.hash(HOLD, COST)
    await spy.holding()
    registrations = [queue.hash(f"r{i}", COST) for i in range(3)]
    logins = [queue.verify("secret", encoded), queue.verify("wrong", encoded)]
    assert queue.waiting == 5
    spy.gate.set()
    assert await asyncio.gather(*logins) == [True, False]
    assert all(h.startswith("scrypt$") for h in await asyncio.gather(held, *registrations))
    assert spy.started == [
        f"reg {HOLD}",
        "login secret",
        "login wrong",
        "reg r0",
        "reg r1",
        "reg r2",
    ]
    queue.close()


async def test_a_full_queue_refuses_at_once_and_hashes_nothing_for_it(spy: Spy) -> None:
    queue = HashQueue(threads=1, max_waiting=2)
    held = queue.hash(HOLD, COST)
    await spy.holding()
    waiting = [queue.hash("r0", COST), queue.hash("r1", COST)]
    with pytest.raises(ChatError) as refused:
        queue.hash("r2", COST)
    assert refused.value.errno == Errno.BUSY
    spy.gate.set()
    await asyncio.gather(held, *waiting)
    assert spy.started == [f"reg {HOLD}", "reg r0", "reg r1"]
    queue.close()


async def test_a_login_takes_the_place_of_the_newest_registration_waiting(spy: Spy) -> None:
    queue = HashQueue(threads=1, max_waiting=2)
    encoded = hash_password("pw", COST)
    held = queue.hash(HOLD, COST)
    await spy.holding()
    older, newer = queue.hash("older", COST), queue.hash("newer", COST)
    first = queue.verify("pw", encoded)  # the queue is full: "newer" makes room
    with pytest.raises(ChatError) as displaced:
        await newer
    assert displaced.value.errno == Errno.BUSY
    second = queue.verify("pw", encoded)  # and then "older"
    with pytest.raises(ChatError):
        await older
    with pytest.raises(ChatError) as refused:  # logins alone fill it: a login is refused
        queue.verify("pw", encoded)
    assert refused.value.errno == Errno.BUSY
    spy.gate.set()
    assert list(await asyncio.gather(first, second)) == [True, True]
    await held
    assert spy.started == [f"reg {HOLD}", "login pw", "login pw"]
    queue.close()


async def test_a_waiter_that_gives_up_leaves_the_queue(spy: Spy) -> None:
    queue = HashQueue(threads=1, max_waiting=1)
    held = queue.hash(HOLD, COST)
    await spy.holding()
    queue.hash("gone", COST).cancel()
    await asyncio.sleep(0)  # the cancellation's callbacks run
    assert queue.waiting == 0
    kept = queue.hash("kept", COST)  # its place is free again
    spy.gate.set()
    await asyncio.gather(held, kept)
    assert spy.started == [f"reg {HOLD}", "reg kept"]
    queue.close()


# --- end to end ------------------------------------------------------------------------


async def send_reg(client: WireClient, name: str, password: str | None = None) -> None:
    """REG without waiting for its reply (rid: the name; password: the name unless given)."""
    await client.send(msgid=MsgId.REG, name=name, password=password or name, v=2, rid=name)


async def alice_and_a_held_thread(lab: Lab, spy: Spy) -> tuple[int, WireClient]:
    """Alice's account, then a registration (rid "holder") that holds the one hashing
    thread; the spy has seen only that one start."""
    alice = await lab.users.register("alice", password="alice-pw")
    spy.started.clear()
    holder = await lab.connect()
    await send_reg(holder, "holder", HOLD)
    await spy.holding()
    return alice, holder


async def log_in_unanswered(lab: Lab, alice: int) -> WireClient:
    """Alice's password LOGIN (rid "in") on a new connection, its answer not waited for."""
    user = await lab.connect()
    await user.send(msgid=MsgId.LOGIN, id=alice, password="alice-pw", v=2, rid="in")
    return user


async def test_a_login_is_hashed_before_the_registrations_queued_ahead_of_it(
    start: Start, spy: Spy
) -> None:
    lab = await start(hash_threads=1, register_per_address=0)
    alice, holder = await alice_and_a_held_thread(lab, spy)
    waiting = [await lab.connect() for _ in range(5)]
    for i, client in enumerate(waiting):
        await send_reg(client, f"r{i}")
    await until(lambda: lab.server.hashing.waiting == 5)
    user = await log_in_unanswered(lab, alice)
    await until(lambda: lab.server.hashing.waiting == 6)
    spy.gate.set()
    assert errno_of(await user.reply_to("in")) == 0
    for i, client in enumerate([holder, *waiting]):
        assert errno_of(await client.reply_to("holder" if i == 0 else f"r{i - 1}")) == 0
    assert spy.started[:2] == [f"reg {HOLD}", "login alice-pw"]
    assert sorted(spy.started[2:]) == [f"reg r{i}" for i in range(5)]


async def test_a_full_queue_refuses_registrations_at_once_and_makes_room_for_a_login(
    start: Start, spy: Spy
) -> None:
    lab = await start(hash_threads=1, hash_queue=4, register_per_address=0)
    alice, holder = await alice_and_a_held_thread(lab, spy)
    flood = [await lab.connect() for _ in range(10)]
    for i, client in enumerate(flood):
        await send_reg(client, f"f{i}")
    replies = [asyncio.ensure_future(c.reply_to(f"f{i}")) for i, c in enumerate(flood)]
    await until(lambda: sum(r.done() for r in replies) == 6)  # 4 wait, 6 are refused now
    refused = [r.result() for r in replies if r.done()]
    assert {(r["msgid"], r["errno"]) for r in refused} == {(MsgId.REG_ACK, Errno.BUSY)}
    assert "busy" in refused[0]["errmsg"]
    user = await log_in_unanswered(lab, alice)
    await until(lambda: sum(r.done() for r in replies) == 7)  # a registration made way
    spy.gate.set()
    assert errno_of(await user.reply_to("in")) == 0
    outcomes = Counter(errno_of(r) for r in await asyncio.gather(*replies))
    assert outcomes == {Errno.BUSY: 7, 0: 3}
    assert errno_of(await holder.reply_to("holder")) == 0
    assert spy.started[:2] == [f"reg {HOLD}", "login alice-pw"]
    assert len(spy.started) == 5  # the refused were never hashed


async def test_a_registration_flood_from_many_sockets_does_not_keep_a_login_out(
    start: Start,
) -> None:
    lab = await start(hash_threads=1, hash_queue=8, register_per_address=0, rate_limit=0)
    alice = await lab.users.register("alice")
    outcomes: Counter[int] = Counter()
    stop = asyncio.Event()

    async def register_without_pause(index: int) -> None:
        client = await lab.connect()
        for n in range(40):  # bounded: the flood ends by itself if the test fails
            if stop.is_set():
                return
            reply = await client.request(msgid=MsgId.REG, name=f"f{index}-{n}", password="pw", v=2)
            outcomes[errno_of(reply)] += 1

    flooders = [asyncio.ensure_future(register_without_pause(i)) for i in range(30)]
    await until(lambda: outcomes[Errno.BUSY] > 0, timeout=30)  # the queue is full
    user = await lab.connect()
    for _ in range(5):
        assert errno_of(await login(user, id=alice)) == 0
        assert errno_of(await user.request(msgid=MsgId.LOGOUT)) == 0
    stop.set()
    await asyncio.gather(*flooders)
    assert set(outcomes) == {0, Errno.BUSY}  # registrations went on, some of them refused


# --- registrations per address ---------------------------------------------------------


async def register(client: WireClient, name: str) -> dict[str, Any]:
    return await client.request(msgid=MsgId.REG, name=name, password="pw", v=2)


async def test_registrations_past_the_limit_of_an_address_are_refused_until_the_window_ends(
    start: Start,
) -> None:
    lab = await start(register_per_address=3, register_window=300)
    client = await lab.connect()
    assert [errno_of(await register(client, f"u{i}")) for i in range(2)] == [0, 0]
    assert errno_of(await register(client, "u0")) == Errno.NAME_TAKEN  # it counts: it hashed
    refused = await register(client, "u3")
    assert (refused["msgid"], refused["errno"]) == (MsgId.REG_ACK, Errno.REGISTER_LOCKED)
    found = re.fullmatch(r"too many registrations from this address: retry in (\d+) s",
                         refused["errmsg"])  # fmt: skip
    assert found and 290 <= int(found[1]) <= 300, refused
    assert errno_of(await login(client, id=1)) == 0  # logins are not limited by it
    legacy = await lab.connect(legacy=True)  # which knows only errno 1 for any refusal
    await legacy.send(msgid=MsgId.REG, name="old", password="pw")
    assert await legacy.expect(MsgId.REG_ACK) == {"errno": 1, "msgid": MsgId.REG_ACK}


async def test_a_registration_refused_as_busy_does_not_count(start: Start, spy: Spy) -> None:
    lab = await start(register_per_address=2, hash_threads=1, hash_queue=0)
    holder = await lab.connect()
    await send_reg(holder, "holder", HOLD)  # the first of two
    await spy.holding()
    client = await lab.connect()
    assert errno_of(await register(client, "b")) == Errno.BUSY
    spy.gate.set()
    assert errno_of(await holder.reply_to("holder")) == 0
    assert errno_of(await register(client, "b")) == 0  # the second of two
    assert errno_of(await register(client, "c")) == Errno.REGISTER_LOCKED


async def test_a_registration_lock_ends_with_its_window(start: Start) -> None:
    window = 0.3
    lab = await start(register_per_address=1, register_window=window)
    client = await lab.connect()
    assert errno_of(await register(client, "a")) == 0
    assert errno_of(await register(client, "b")) == Errno.REGISTER_LOCKED
    await asyncio.sleep(window)  # the passing of time is the point here
    assert errno_of(await register(client, "b")) == 0
