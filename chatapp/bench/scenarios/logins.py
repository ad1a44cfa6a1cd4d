"""logins: a storm of password logins and logouts, then resume-token logins, maybe beside
chat or a registration flood."""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

from chatapp.protocol import Errno

from ..account import errno_of, login, logout
from ..conn import BenchConn, Json
from ..fleet import Fleet
from ..flood import RegistrationFlood
from ..options import count_int, positive_int, seconds
from ..pairs import PingPong
from ..run import BenchFailure, Run
from ..stats import Latencies, rate
from .pingpong import connect_pairs

NAME = "logins"
HELP = "login storm: password logins and logouts, then resume-token reconnects"
DURATION = 10.0
DURATION_HELP = "seconds each login phase may last at most"
COUNT_HELP = "logins per phase (default: 1000); --duration caps each phase"
DEFAULT_COUNT = 1000
# A resumed session may still be closing on the server after its connection dropped.
TOKEN_RETRIES = 100
TOKEN_RETRY_SECONDS = 0.01


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--users", type=positive_int, default=16, help="users logging in at once (%(default)s)"
    )
    parser.add_argument(
        "--with-pingpong",
        type=count_int,
        default=0,
        metavar="K",
        help="K ping-pong pairs chatting meanwhile (users after the login users)",
    )
    parser.add_argument(
        "--baseline", type=seconds, default=2.0, help="ping-pong alone first (s) (%(default)s)"
    )
    parser.add_argument(
        "--with-registrations",
        type=count_int,
        default=0,
        metavar="R",
        help="R connections registering new accounts without pause during the password "
        "logins (a server with --register-per-address 0 lets them all reach the hashing)",
    )


class Phase:
    """One kind of login, counted across the workers."""

    def __init__(self, name: str, limit: int, seconds: float) -> None:
        self.name = name
        self.limit = limit
        self.end = time.monotonic() + seconds
        self.latency = Latencies()
        self.logout_latency = Latencies()
        self.started = 0
        self.failed = 0
        self.retries = 0

    def more(self) -> bool:
        return self.started < self.limit and time.monotonic() < self.end

    def result(self, seconds: float) -> Json:
        out = {
            "count": len(self.latency),
            "per_s": rate(len(self.latency), seconds),
            "latency_ms": self.latency.summary(),
            "failed": self.failed,
            "retries": self.retries,
        }
        if len(self.logout_latency):
            out["logout_latency_ms"] = self.logout_latency.summary()
        return out


async def run(run: Run, fleet: Fleet, args: argparse.Namespace) -> Json:
    limit = run.count or DEFAULT_COUNT
    kinds: dict[str, Json] = {}
    engine: PingPong | None = None
    if args.with_pingpong:
        run.progress.set_phase("logging in ping-pong pairs")
        run.progress.status = fleet.status
        engine = PingPong(run, await connect_pairs(run, fleet, args.users, args.with_pingpong))
        run.progress.set_phase("ping-pong baseline", args.baseline)
        run.progress.status = engine.status
        engine.start()
        kinds["one_chat_baseline"] = await _chat_window(run, engine, args.baseline)
    fleet.start_heartbeat()
    poller = asyncio.get_running_loop().create_task(_keep_polling(engine))
    run.measure_start()
    workers = [await fleet.connect(run.targets[i % len(run.targets)]) for i in range(args.users)]
    live = [(i, c) for i, c in enumerate(workers) if c is not None]

    async def phase(
        name: str, body: Callable[[Phase, int, BenchConn], Awaitable[BenchConn]]
    ) -> Phase:
        state = Phase(name, limit, run.duration)
        run.progress.set_phase(name, run.duration)
        run.progress.status = lambda: {"logins": len(state.latency), "failed": state.failed}
        mark = _mark(engine)
        started = time.monotonic()
        results = await asyncio.gather(*(body(state, i, c) for i, c in live))
        live[:] = [(i, c) for (i, _), c in zip(live, results, strict=True)]
        elapsed = time.monotonic() - started
        kinds[name] = state.result(elapsed)
        if engine is not None:
            kinds[f"one_chat_during_{name}"] = _chat_since(engine, mark, elapsed)
        return state

    flood = await RegistrationFlood.start(run, fleet, args.with_registrations)
    password = await phase("password_login", lambda s, i, c: _password_cycles(run, s, i, c))
    kinds.update(await flood.stop())
    if not len(password.latency):
        raise BenchFailure(
            f"no password login succeeded ({dict(run.errors)}); {run.users_hint(args.users)}"
        )
    if any(c.token for _, c in live):
        await phase("token_login", lambda s, i, c: _token_cycles(run, fleet, s, i, c))
    else:
        kinds["token_login"] = {"count": 0, "skipped": "the server sent no resume token"}
    logins = sum(k.get("count", 0) for n, k in kinds.items() if n.endswith("_login"))
    cpu = run.measure_stop(0)
    poller.cancel()
    if "server_cpu_total_s" in cpu and logins:
        cpu["server_cpu_per_login_us"] = round(cpu["server_cpu_total_s"] / logins * 1e6, 1)
    result: Json = {"users": args.users, "kinds": kinds, "cpu": cpu}
    if engine is not None:
        engine.stop()
        await run.drain(2.0, engine.in_flight)
        overall = engine.result(cpu["wall_s"] + args.baseline)
        kinds["one_chat"] = {k: overall[k] for k in ("count", "lost", "duplicates", "stalls")}
    return result


async def _password_cycles(run: Run, phase: Phase, index: int, conn: BenchConn) -> BenchConn:
    name = run.user(index)
    while phase.more() and not conn.lost:
        phase.started += 1
        started = time.monotonic_ns()
        ack = await login(conn, run.timeout, name=name, password=run.password)
        if errno_of(ack) != 0:
            phase.failed += 1
            run.errors[f"password_login_errno_{errno_of(ack)}"] += 1
            await asyncio.sleep(0.1)
            continue
        phase.latency.add_ns(time.monotonic_ns() - started)
        started = time.monotonic_ns()
        if await logout(conn, run.timeout):
            phase.logout_latency.add_ns(time.monotonic_ns() - started)
        else:
            run.errors["logout_failed"] += 1
    # Stay logged in with a fresh token for the resume phase.
    await login(conn, run.timeout, name=name, password=run.password)
    return conn


async def _token_cycles(
    run: Run, fleet: Fleet, phase: Phase, index: int, conn: BenchConn
) -> BenchConn:
    """Drops the connection and resumes on a new one with the token, as after a network
    change; the old token is spent and the ack carries the next. With several targets
    each resume goes to the next one, as after an instance failure."""
    cycle = 0
    while phase.more() and conn.token:
        phase.started += 1
        cycle += 1
        token = conn.token
        conn.close()
        fresh = await fleet.connect(run.targets[(index + cycle) % len(run.targets)])
        if fresh is None:
            phase.failed += 1
            return conn
        fresh.resume_sequence(conn)
        conn = fresh
        for _ in range(TOKEN_RETRIES):
            started = time.monotonic_ns()
            ack = await login(conn, run.timeout, token=token, last=conn.seq_hi)
            if errno_of(ack) != Errno.ALREADY_ONLINE:
                break
            phase.retries += 1
            await asyncio.sleep(TOKEN_RETRY_SECONDS)
        if errno_of(ack) == 0:
            phase.latency.add_ns(time.monotonic_ns() - started)
        else:
            phase.failed += 1
            run.errors[f"token_login_errno_{errno_of(ack)}"] += 1
            break
        fleet.forget_closed()
    return conn


async def _keep_polling(engine: PingPong | None) -> None:
    """Stalled pairs restart while the workers are busy logging in."""
    while engine is not None:
        await asyncio.sleep(0.1)
        engine.poll()


def _mark(engine: PingPong | None) -> tuple[int, int]:
    if engine is None:
        return (0, 0)
    return engine.counts["delivered"], len(engine.latency)


def _chat_since(engine: PingPong, mark: tuple[int, int], seconds: float) -> Json:
    """Chat figures since `mark`: the latency samples of this window only."""
    delivered = engine.counts["delivered"] - mark[0]
    latency = engine.latency.summary_since(mark[1])
    return {"count": delivered, "per_s": rate(delivered, seconds), "latency_ms": latency}


async def _chat_window(run: Run, engine: PingPong, seconds: float) -> Json:
    mark = _mark(engine)
    started = time.monotonic()
    await run.hold(seconds, counter=lambda: 0, poll=engine.poll)
    return _chat_since(engine, mark, time.monotonic() - started)
