"""Overload limits: request rate, failed logins, the login deadline, message and queue sizes.

The pure classes of chatapp.server.limits are tested with a hand-moved clock; the rest
end to end, each against a server of its own with limits small enough to reach quickly.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

import pytest

from chatapp.protocol import Errno, MsgId
from chatapp.server.app import ChatServer
from chatapp.server.limits import FailureCounter, LoginGuard, TokenBucket, retry_text
from chatapp.server.passwords import verify_password
from tests.server.lab import Start, connect_small_window, errno_of, login
from tests.wire import WireClient

# A rate so slow that no token comes back while a test runs: what passes is the burst.
TRICKLE = 0.001
# A whole request, admitted or not, that costs the server nothing: a chat before login.
CHAT = b'{"msgid":6,"toid":1,"msg":"x"}\n'


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- TokenBucket -----------------------------------------------------------------------


def test_a_bucket_allows_its_burst_at_once_then_refuses() -> None:
    bucket = TokenBucket(rate=2, burst=3, clock=Clock())
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_a_bucket_refills_at_its_rate_up_to_its_burst() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    for _ in range(3):
        bucket.take()
    clock.now += 0.5  # one token back
    assert [bucket.take(), bucket.take()] == [True, False]
    clock.now += 3600  # never more than the burst
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_a_refused_take_takes_nothing() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=1, burst=1, clock=clock)
    assert bucket.take()
    for _ in range(10):
        assert not bucket.take()
    clock.now += 1.0
    assert bucket.take()


def test_cheap_requests_take_a_fraction_of_a_token() -> None:
    bucket = TokenBucket(rate=1, burst=1, clock=Clock())
    assert [bucket.take(0.25) for _ in range(5)] == [True, True, True, True, False]


def test_wait_says_when_the_next_token_comes() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=4, burst=1, clock=clock)
    assert bucket.wait() == 0.0
    bucket.take()
    assert bucket.wait() == pytest.approx(0.25)
    clock.now += 0.1
    assert bucket.wait() == pytest.approx(0.15)


def test_a_bucket_needs_a_positive_rate_and_burst() -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate=0, burst=1, clock=Clock())
    with pytest.raises(ValueError):
        TokenBucket(rate=1, burst=0, clock=Clock())


# --- FailureCounter and LoginGuard -----------------------------------------------------


def test_failures_up_to_the_limit_lock_a_key_for_the_rest_of_its_window() -> None:
    clock = Clock()
    counter = FailureCounter(limit=3, window=60, clock=clock)
    for _ in range(2):
        counter.fail("k")
    assert counter.locked_for("k") == 0.0
    clock.now += 10
    counter.fail("k")
    assert counter.locked_for("k") == pytest.approx(50)  # the window opened at the first
    assert counter.locked_for("other") == 0.0
    clock.now += 49
    assert counter.locked_for("k") == pytest.approx(1)
    clock.now += 1
    assert counter.locked_for("k") == 0.0
    counter.fail("k")  # a new window, counted from zero
    assert counter.locked_for("k") == 0.0


def test_failures_spread_over_more_than_a_window_never_lock() -> None:
    clock = Clock()
    counter = FailureCounter(limit=2, window=60, clock=clock)
    for _ in range(10):
        counter.fail("k")
        clock.now += 61
        assert counter.locked_for("k") == 0.0


def test_forget_and_pardon_take_failures_back() -> None:
    counter = FailureCounter(limit=2, window=60, clock=Clock())
    counter.fail("k")
    counter.fail("k")
    counter.pardon("k")
    assert counter.locked_for("k") == 0.0
    counter.fail("k")
    assert counter.locked_for("k") > 0
    counter.forget("k")
    assert counter.locked_for("k") == 0.0
    assert len(counter) == 0
    counter.pardon("never seen")
    assert len(counter) == 0


def test_a_counter_with_limit_zero_never_locks_or_remembers() -> None:
    counter = FailureCounter(limit=0, window=60, clock=Clock())
    for _ in range(100):
        counter.fail("k")
    assert counter.locked_for("k") == 0.0
    assert len(counter) == 0


def test_expired_windows_are_dropped_as_new_ones_open() -> None:
    clock = Clock()
    counter = FailureCounter(limit=3, window=60, clock=clock)
    for key in range(1000):
        counter.fail(key)
    clock.now += 61
    counter.fail("fresh")
    assert len(counter) == 1


def test_memory_stays_bounded_under_many_keys() -> None:
    clock = Clock()
    counter = FailureCounter(limit=1, window=60, clock=clock, max_keys=100)
    for key in range(10_000):
        counter.fail(key)
        clock.now += 0.001
    assert len(counter) == 100
    assert counter.locked_for(9_999) > 0  # the newest are kept, the oldest forgotten
    assert counter.locked_for(0) == 0.0


def test_a_successful_login_clears_the_account_but_not_the_address() -> None:
    guard = LoginGuard(account_failures=2, address_failures=3, window=60, clock=Clock())
    guard.failed("10.0.0.1", 7)
    guard.failed("10.0.0.1", 7)  # counted before the hash ...
    guard.succeeded("10.0.0.1", 7)  # ... and taken back: it was right
    assert guard.locked_for("10.0.0.1", 7) == 0.0
    guard.failed("10.0.0.1", 7)
    assert guard.locked_for("10.0.0.1", 7) == 0.0  # the account starts again from zero
    guard.failed("10.0.0.1", 8)  # the address's third failure
    assert guard.locked_for("10.0.0.1") > 0
    assert guard.locked_for("10.0.0.1", 9) > 0
    assert guard.locked_for("10.0.0.2", 7) == 0.0


def test_an_account_locks_from_every_address() -> None:
    guard = LoginGuard(account_failures=2, address_failures=100, window=60, clock=Clock())
    guard.failed("10.0.0.1", 7)
    guard.failed("10.0.0.2", 7)
    assert guard.locked_for("10.0.0.3", 7) > 0
    assert guard.locked_for("10.0.0.3", 8) == 0.0
    assert guard.locked_for("10.0.0.3") == 0.0


def test_retry_text_rounds_up_to_whole_seconds() -> None:
    assert [retry_text(s) for s in (0.01, 1.0, 1.2, 299.5)] == ["1 s", "1 s", "2 s", "300 s"]


# --- end to end ------------------------------------------------------------------------


# --- the request rate ------------------------------------------------------------------


async def test_requests_over_the_rate_are_refused_not_executed_and_the_connection_stays(
    start: Start,
) -> None:
    lab = await start(rate_limit=TRICKLE, rate_burst=4)
    alice, a = await lab.online()  # the login took one token of four
    bob, b = await lab.online()
    for i in range(3):
        assert errno_of(await a.request(msgid=MsgId.ONE_CHAT, toid=bob, msg=f"m{i}")) == 0
    refused = await a.request(msgid=MsgId.ONE_CHAT, toid=bob, msg="one too many")
    assert (refused["msgid"], refused["errno"], refused["re"]) == (
        MsgId.ERROR,
        Errno.RATE_LIMITED,
        MsgId.ONE_CHAT,
    )
    assert re.search(r"retry in \d+\.\d+ s", refused["errmsg"]), refused
    assert [(await b.expect(MsgId.ONE_CHAT))["msg"] for _ in range(3)] == ["m0", "m1", "m2"]
    await b.quiet()  # the refused chat was never sent
    # Alice's connection is open and served: what others send still reaches her.
    await b.request(msgid=MsgId.ONE_CHAT, toid=alice, msg="still there?")
    assert (await a.expect(MsgId.ONE_CHAT))["msg"] == "still there?"


async def test_ping_and_delivered_cost_a_fraction_and_login_refusals_are_login_acks(
    start: Start,
) -> None:
    lab = await start(rate_limit=TRICKLE, rate_burst=1)
    client = await lab.connect()
    assert (await client.request(msgid=MsgId.PING))["msgid"] == MsgId.PONG
    assert (await client.request(msgid=MsgId.PING))["msgid"] == MsgId.PONG
    # Let in, then refused by the handler: DELIVERED needs a login.
    for _ in range(2):
        await client.send(msgid=MsgId.DELIVERED, seq=1)
        assert errno_of(await client.expect(MsgId.ERROR)) == Errno.NOT_LOGGED_IN
    # Four fifths of the one token are spent: a whole request is refused in its own form.
    reply = await client.request(msgid=MsgId.REG, name="x", password="pw", v=2)
    assert (reply["msgid"], reply["errno"]) == (MsgId.REG_ACK, Errno.RATE_LIMITED)
    reply = await login(client, id=1)
    assert (reply["msgid"], reply["errno"]) == (MsgId.LOGIN_ACK, Errno.RATE_LIMITED)


async def test_bad_frames_count_against_the_rate(start: Start) -> None:
    lab = await start(rate_limit=TRICKLE, rate_burst=2)
    client = await lab.connect()
    await client.send_raw(b"junk\n{}\nmore junk\n")
    assert [errno_of(await client.recv()) for _ in range(3)] == [
        Errno.BAD_FRAME,
        Errno.BAD_FIELD,
        Errno.RATE_LIMITED,
    ]


async def test_a_client_that_goes_on_hammering_is_disconnected(start: Start) -> None:
    lab = await start(rate_limit=TRICKLE, rate_burst=2, rate_strikes=3)
    _, bystander = await lab.online()
    client = await lab.connect()
    await client.send_raw(CHAT * 50)
    replies = [await client.recv() for _ in range(5)]
    assert [r["errno"] for r in replies[:2]] == [Errno.NOT_LOGGED_IN] * 2
    assert [(r["msgid"], r["errno"], r["re"]) for r in replies[2:]] == [
        (MsgId.ERROR, Errno.RATE_LIMITED, MsgId.ONE_CHAT)
    ] * 3
    assert await client.closed()
    await bystander.quiet()
    # A new connection has a bucket of its own.
    fresh = await lab.connect()
    await fresh.quiet()


async def test_refusals_separated_by_admitted_requests_are_not_strikes_in_a_row(
    start: Start,
) -> None:
    lab = await start(rate_limit=TRICKLE, rate_burst=1, rate_strikes=2)
    client = await lab.connect()
    for _ in range(4):
        assert (await client.request(msgid=MsgId.PING))["msgid"] == MsgId.PONG
    reply = await client.request(msgid=MsgId.REG, name="x", password="pw", v=2)
    assert reply["errno"] == Errno.RATE_LIMITED  # one strike; the next ping is admitted
    assert (await client.request(msgid=MsgId.PING))["msgid"] == MsgId.PONG
    reply = await client.request(msgid=MsgId.REG, name="x", password="pw", v=2)
    assert reply["errno"] == Errno.RATE_LIMITED  # one strike again, not two
    await client.send(msgid=MsgId.PING, rid="still open")
    reply = await client.recv()
    assert (reply["msgid"], reply["errno"]) == (MsgId.ERROR, Errno.RATE_LIMITED)
    assert await client.closed()  # that was the second in a row


async def test_rate_limit_zero_lets_a_pipelined_flood_through(start: Start) -> None:
    lab = await start(rate_limit=0, rate_burst=1, rate_strikes=1)
    client = await lab.connect()
    await client.send_raw(CHAT * 500)
    replies = [await client.recv() for _ in range(500)]
    assert {(r["msgid"], r["errno"]) for r in replies} == {(MsgId.ERROR, Errno.NOT_LOGGED_IN)}
    await client.quiet()


# --- failed logins ---------------------------------------------------------------------


async def test_failed_logins_lock_the_account_before_any_hashing(
    start: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    lab = await start(login_failures=3, login_window=300)
    alice = await lab.users.register("alice")
    bob = await lab.users.register("bob")
    hashes = 0

    def counting_verify(password: str, stored: str) -> bool:
        nonlocal hashes
        hashes += 1
        return verify_password(password, stored)

    monkeypatch.setattr("chatapp.server.hashing.verify_password", counting_verify)
    client = await lab.connect()
    for _ in range(3):
        assert errno_of(await login(client, "wrong", id=alice)) == Errno.BAD_CREDENTIALS
    assert hashes == 3
    for who in ({"id": alice}, {"name": "alice"}):  # by id or by name: the same account
        locked = await login(client, **who)  # the right password, too late
        assert (locked["msgid"], locked["errno"]) == (MsgId.LOGIN_ACK, Errno.LOGIN_LOCKED)
        match = re.fullmatch(r"too many failed logins: retry in (\d+) s", locked["errmsg"])
        assert match, locked
        assert 290 <= int(match[1]) <= 300
    assert hashes == 3  # a locked attempt costs no scrypt
    assert errno_of(await login(client, id=bob)) == 0  # others are not locked


async def test_a_successful_login_resets_the_accounts_count(start: Start) -> None:
    lab = await start(login_failures=3)
    alice = await lab.users.register("alice")
    client = await lab.connect()
    for _ in range(3):
        for _ in range(2):
            assert errno_of(await login(client, "wrong", id=alice)) == Errno.BAD_CREDENTIALS
        assert errno_of(await login(client, id=alice)) == 0
        assert errno_of(await client.request(msgid=MsgId.LOGOUT)) == 0


async def test_unknown_accounts_lock_like_known_ones(start: Start) -> None:
    lab = await start(login_failures=2)
    client = await lab.connect()
    for who in ({"name": "nobody"}, {"id": 404}):
        replies = [errno_of(await login(client, "x", **who)) for _ in range(3)]
        assert replies == [Errno.BAD_CREDENTIALS, Errno.BAD_CREDENTIALS, Errno.LOGIN_LOCKED]


async def test_failed_logins_from_one_address_lock_every_login_from_it(start: Start) -> None:
    lab = await start(login_failures=0, login_address_failures=3)
    alice = await lab.users.register("alice")
    bob, b = await lab.online()  # a success before: it does not cancel later failures
    a1 = await lab.connect()
    assert errno_of(await login(a1, id=alice)) == 0
    guesser = await lab.connect()
    for who in ({"id": alice}, {"name": "somebody"}, {"id": 999}):
        assert errno_of(await login(guesser, "guess", **who)) == Errno.BAD_CREDENTIALS
    await b.request(msgid=MsgId.LOGOUT)
    # The right password, a token: nothing from this address is tried until the window ends.
    assert errno_of(await login(b, id=bob)) == Errno.LOGIN_LOCKED
    reply = await b.request(msgid=MsgId.LOGIN, token="whatever", v=2)
    assert errno_of(reply) == Errno.LOGIN_LOCKED
    # Registration, and everybody logged in already, go on as before.
    reply = await b.request(msgid=MsgId.REG, name="carol", password="pw", v=2)
    assert errno_of(reply) == 0
    assert errno_of(await a1.request(msgid=MsgId.ONE_CHAT, toid=bob, msg="hi")) == 0


async def test_bad_resume_tokens_count_against_the_address(start: Start) -> None:
    lab = await start(login_address_failures=2)
    alice = await lab.users.register("alice")
    client = await lab.connect()
    for _ in range(2):
        reply = await client.request(msgid=MsgId.LOGIN, token="guess", v=2)
        assert errno_of(reply) == Errno.BAD_CREDENTIALS
    assert errno_of(await login(client, id=alice)) == Errno.LOGIN_LOCKED


async def test_an_account_lock_spares_its_resume_token(start: Start) -> None:
    lab = await start(login_failures=2)
    alice = await lab.users.register("alice")
    first = await lab.connect()
    token = (await login(first, id=alice))["token"]
    await first.close()  # a dropped connection: the token stays good
    async with asyncio.timeout(5):
        while await lab.server.bus.online([alice]):
            await asyncio.sleep(0.02)  # the logout runs after the close
    attacker = await lab.connect()
    for _ in range(2):
        assert errno_of(await login(attacker, "guess", id=alice)) == Errno.BAD_CREDENTIALS
    assert errno_of(await login(attacker, id=alice)) == Errno.LOGIN_LOCKED
    owner = await lab.connect()
    assert errno_of(await owner.request(msgid=MsgId.LOGIN, token=token, v=2)) == 0


async def test_a_lock_ends_with_its_window(start: Start) -> None:
    window = 0.3
    lab = await start(login_failures=1, login_window=window)
    alice = await lab.users.register("alice")
    client = await lab.connect()
    assert errno_of(await login(client, "wrong", id=alice)) == Errno.BAD_CREDENTIALS
    locked = await login(client, id=alice)
    assert (locked["errno"], locked["errmsg"]) == (
        Errno.LOGIN_LOCKED,
        "too many failed logins: retry in 1 s",
    )
    await asyncio.sleep(window)  # the passing of time is the point here
    assert errno_of(await login(client, id=alice)) == 0


async def test_a_legacy_client_reads_the_lock_in_its_own_login_ack(start: Start) -> None:
    lab = await start(login_failures=1)
    alice = await lab.users.register("alice")
    client = await lab.connect(legacy=True)
    for expected in (Errno.BAD_CREDENTIALS, Errno.LOGIN_LOCKED):
        await client.send(msgid=MsgId.LOGIN, id=alice, password="wrong")
        ack = await client.expect(MsgId.LOGIN_ACK)
        assert ack["errno"] == expected
        assert set(ack) == {"msgid", "errno", "errmsg"}


# --- the login deadline ----------------------------------------------------------------

DEADLINE = 0.4


async def ping_until_closed(client: WireClient) -> dict[str, Any]:
    """PINGs every tenth of the deadline; returns the last message before the close."""
    last: dict[str, Any] = {}
    async with asyncio.timeout(DEADLINE * 20):
        while True:
            try:
                await client.send(msgid=MsgId.PING)
                while (reply := await client.recv()) and reply["msgid"] != MsgId.PONG:
                    last = reply
            except ConnectionError:
                return last
            await asyncio.sleep(DEADLINE / 10)  # the client's pace, not a wait


async def test_a_connection_that_does_not_log_in_in_time_is_told_and_closed(
    start: Start,
) -> None:
    lab = await start(login_timeout=DEADLINE)
    client = await lab.connect()  # talks all the time, so it is not idle
    last = await ping_until_closed(client)
    assert last == {
        "msgid": MsgId.ERROR,
        "errno": Errno.NOT_LOGGED_IN,
        "errmsg": "log in within 0.4 s",
    }


async def test_a_logged_in_connection_outlives_the_login_deadline(start: Start) -> None:
    lab = await start(login_timeout=DEADLINE)
    _, client = await lab.online()
    loop = asyncio.get_running_loop()
    end = loop.time() + DEADLINE * 4
    while loop.time() < end:
        await client.quiet()
        await asyncio.sleep(DEADLINE / 4)  # the client's pace, not a wait
    await client.quiet()


async def test_logging_out_starts_the_login_deadline_again(start: Start) -> None:
    lab = await start(login_timeout=DEADLINE)
    _, client = await lab.online()
    assert errno_of(await client.request(msgid=MsgId.LOGOUT)) == 0
    last = await ping_until_closed(client)
    assert last["errno"] == Errno.NOT_LOGGED_IN


async def test_login_timeout_zero_keeps_waiting_for_a_login(start: Start) -> None:
    lab = await start(login_timeout=0, idle_timeout=DEADLINE)
    client = await lab.connect()
    loop = asyncio.get_running_loop()
    end = loop.time() + DEADLINE * 3
    while loop.time() < end:
        await client.quiet()  # talking keeps it from being idle; no deadline to log in
        await asyncio.sleep(DEADLINE / 4)  # the client's pace, not a wait
    await client.quiet()


# --- message size and the outbound queue -----------------------------------------------


async def test_a_message_longer_than_the_limit_is_refused(start: Start) -> None:
    lab = await start(max_message_chars=10)
    _, a = await lab.online()
    bob, b = await lab.online()
    assert errno_of(await a.request(msgid=MsgId.ONE_CHAT, toid=bob, msg="é" * 10)) == 0
    refused = await a.request(msgid=MsgId.ONE_CHAT, toid=bob, msg="é" * 11)
    assert (refused["msgid"], refused["errno"]) == (MsgId.ERROR, Errno.INVALID_ARGUMENT)
    assert "10" in refused["errmsg"]
    assert (await b.expect(MsgId.ONE_CHAT))["msg"] == "é" * 10
    await b.quiet()
    await a.quiet()  # the connection stays open
    gid = (await a.request(msgid=MsgId.CREATE_GROUP, groupname="g"))["groupid"]
    refused = await a.request(msgid=MsgId.GROUP_CHAT, groupid=gid, msg="x" * 11)
    assert refused["errno"] == Errno.INVALID_ARGUMENT


def queued_bytes(server: ChatServer) -> int:
    """The most bytes any connection has waiting in the server's write buffer."""
    return max(
        (s._transport.get_write_buffer_size() for s in server.sessions if s._transport),
        default=0,
    )


async def test_a_client_that_does_not_read_is_dropped_and_the_sender_goes_on(
    start: Start,
) -> None:
    limit = 64 * 1024
    lab = await start(max_outbound_bytes=limit, rate_limit=0)
    _, a = await lab.online()
    carol, c = await lab.online()
    slow_id = await lab.users.register("slow")
    slow = await connect_small_window(lab.server.port)
    lab.clients.append(slow)
    assert errno_of(await login(slow, id=slow_id)) == 0  # then it never reads again
    text = "x" * 16_000
    sent = 0
    while await lab.server.bus.online([slow_id]):
        assert sent < 2000, "the slow reader was never dropped"
        assert errno_of(await a.request(msgid=MsgId.ONE_CHAT, toid=slow_id, msg=text)) == 0
        sent += 1
        assert queued_bytes(lab.server) <= limit + 2 * len(text)  # memory stays bounded
    assert sent * len(text) > limit  # well past the limit in all
    # The sender was not affected: it goes on chatting, and its chats are stored.
    assert errno_of(await a.request(msgid=MsgId.ONE_CHAT, toid=slow_id, msg="later")) == 0
    assert errno_of(await a.request(msgid=MsgId.ONE_CHAT, toid=carol, msg="hi carol")) == 0
    assert (await c.expect(MsgId.ONE_CHAT))["msg"] == "hi carol"
    with contextlib.suppress(ConnectionError):
        assert await slow.closed()
