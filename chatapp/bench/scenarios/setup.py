"""setup: registers the users (and groups) the other scenarios log in as; safe to run again."""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter

from chatapp.protocol import Errno, MsgId

from ..account import errno_of, login, logout, register
from ..conn import BenchConn, Json
from ..fleet import Fleet
from ..options import positive_int
from ..run import BenchFailure, Run
from ..stats import Latencies, rate

NAME = "setup"
HELP = "register users PREFIX0..PREFIX{N-1} (and groups); existing ones are reused"
DURATION = 600.0
DURATION_HELP = "give up after this many seconds"
COUNT_HELP = "unused"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--users", type=positive_int, required=True, help="how many users")
    parser.add_argument("--groups", type=int, default=0, help="groups PREFIXg0.. to create")
    parser.add_argument("--group-size", type=int, default=0, help="members of each group")
    parser.add_argument("--concurrency", type=positive_int, default=16, help="connections")


def group_name(prefix: str, index: int) -> str:
    return f"{prefix}g{index}"


async def run(run: Run, fleet: Fleet, args: argparse.Namespace) -> Json:
    users, groups, size = args.users, args.groups, args.group_size
    if groups and (size < 2 or groups * size > users):
        raise BenchFailure("--groups needs --group-size of 2 or more and groups*size <= users")
    deadline = time.monotonic() + run.duration
    outcome: Counter[str] = Counter()
    latency = Latencies()
    ids: dict[str, int] = {}
    queue = [run.user(i) for i in reversed(range(users))]
    run.progress.set_phase("registering", run.duration)
    run.progress.status = lambda: {"done": users - len(queue), "of": users, **outcome}
    started = time.monotonic()

    async def worker() -> None:
        conn: BenchConn | None = None
        while queue and time.monotonic() < deadline:
            if conn is None or conn.lost:
                conn = await fleet.connect(run.targets[0])
                if conn is None:
                    await asyncio.sleep(0.2)
                    continue
            name = queue.pop()
            outcome[await _register_one(run, conn, name, ids, latency)] += 1

    await asyncio.gather(*(worker() for _ in range(min(args.concurrency, users))))
    seconds = time.monotonic() - started
    await fleet.close()
    result: Json = {
        "users": users,
        "kinds": {
            "register": {
                "count": outcome["registered"],
                "per_s": rate(len(latency), seconds),
                "latency_ms": latency.summary(),
            }
        },
        "users_result": dict(outcome),
    }
    if groups:
        run.progress.set_phase("groups", max(1.0, deadline - time.monotonic()))
        result["groups_result"] = await _make_groups(run, fleet, groups, size)
    return result


async def _register_one(
    run: Run, conn: BenchConn, name: str, ids: dict[str, int], latency: Latencies
) -> str:
    started = time.monotonic_ns()
    reply = await register(conn, name, run.password, run.timeout)
    errno = errno_of(reply)
    if errno == 0 and reply is not None:
        latency.add_ns(time.monotonic_ns() - started)
        ids[name] = int(reply["id"])
        return "registered"
    if errno != Errno.NAME_TAKEN:
        return "register_failed" if errno is None else f"register_errno_{errno}"
    # Taken: ours from an earlier setup if the password works.
    ack = await login(conn, run.timeout, name=name, password=run.password)
    errno = errno_of(ack)
    if errno == Errno.ALREADY_ONLINE:
        return "existed_online"
    if errno != 0 or ack is None:
        return "exists_with_other_password" if errno == Errno.BAD_CREDENTIALS else "login_failed"
    ids[name] = int(ack["id"])
    await logout(conn, run.timeout)
    return "existed"


async def _make_groups(run: Run, fleet: Fleet, groups: int, size: int) -> dict[str, int]:
    outcome: Counter[str] = Counter()
    limit = asyncio.Semaphore(max(1, run.login_concurrency // 4))
    run.progress.status = lambda: dict(outcome)

    async def one(g: int) -> None:
        members = [run.user(g * size + k) for k in range(size)]
        async with limit:
            outcome[await _make_group(run, fleet, group_name(run.prefix, g), members)] += 1

    await asyncio.gather(*(one(g) for g in range(groups)))
    return dict(outcome)


async def _make_group(run: Run, fleet: Fleet, name: str, members: list[str]) -> str:
    target = run.targets[0]
    creator = await fleet.sign_in(target, members[0])
    if creator is None:
        return "creator_login_failed"
    found = creator.groups.get(name)
    if found is None:
        ack = await creator.request(
            {"msgid": MsgId.CREATE_GROUP, "groupname": name, "groupdesc": "chatapp-bench"},
            run.timeout,
        )
        if errno_of(ack) != 0 or ack is None:
            creator.close()
            return f"create_errno_{errno_of(ack)}"
        found = (int(ack["groupid"]), 1)
        state = "created"
    else:
        state = "existed"
    creator.close()
    gid, count = found
    for member in members[1:] if count < len(members) else ():
        conn = await fleet.sign_in(target, member)
        if conn is None:
            return "member_login_failed"
        if gid not in {g for g, _ in conn.groups.values()}:
            reply = await conn.request({"msgid": MsgId.ADD_GROUP, "groupid": gid}, run.timeout)
            if errno_of(reply) not in (0, Errno.ALREADY_MEMBER):
                conn.close()
                return f"join_errno_{errno_of(reply)}"
            state = "created" if state == "created" else "completed"
        conn.close()
    fleet.forget_closed()
    return state
