"""Resume-token reconnects alone, against a running server: each of `users` users logs in
once by password, then drops its connection and logs in again with its token, `count`
times in all, `users` at a time. A benchmark, not a test: without chatapp-bench's password
phase, so that two runs of different lengths differ by token logins only, as the callgrind
recipe below wants (docs/performance.md, resume-token logins):

    valgrind --tool=callgrind --callgrind-out-file=cg.out python -c \\
        "import sys; from chatapp.server.cli import main; sys.exit(main())" \\
        --port 6400 --storage sqlite:///$PWD/cg.db --rate-limit 0 --register-per-address 0 \\
        --hash-cost 4 --log-level WARNING & V=$!
    chatapp-bench setup --target 127.0.0.1:6400 --users 400 --groups 10 --group-size 20 \\
        --prefix b --password pw
    python -m tests.server.bench_token_logins --port 6400 --count 160   # warm-up
    for n in 320 960; do
      callgrind_control -z $V
      python -m tests.server.bench_token_logins --port 6400 --count $n
      callgrind_control -d $V   # then: grep summary: in the newest cg.out.N
    done   # instructions per token login: (second - first) / 640
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import orjson

from chatapp.protocol import Errno, MsgId

TIMEOUT = 10.0
RETRIES = 100  # the old session may still be closing: ALREADY_ONLINE, retried

Json = dict[str, Any]


async def _login(port: int, request: Json) -> tuple[asyncio.StreamWriter, Json]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 24)
    writer.write(orjson.dumps(request) + b"\n")
    async with asyncio.timeout(TIMEOUT):
        while True:  # bounded by the timeout
            reply: Json = orjson.loads(await reader.readuntil(b"\n"))
            if reply.get("msgid") == MsgId.LOGIN_ACK:
                return writer, reply


async def _user(port: int, name: str, password: str, count: int) -> int:
    writer, ack = await _login(
        port, {"msgid": MsgId.LOGIN, "v": 2, "name": name, "password": password}
    )
    assert ack.get("errno") == 0, ack
    done = 0
    for _ in range(count):
        writer.close()
        token = ack["token"]
        for _ in range(RETRIES):
            writer, ack = await _login(port, {"msgid": MsgId.LOGIN, "v": 2, "token": token})
            if ack.get("errno") != Errno.ALREADY_ONLINE:
                break
            writer.close()
            await asyncio.sleep(0.01)
        assert ack.get("errno") == 0, ack
        done += 1
    writer.close()
    return done


async def main(port: int, users: int, count: int, prefix: str, password: str) -> None:
    begun = time.perf_counter()
    each = [count // users + (i < count % users) for i in range(users)]
    done = await asyncio.gather(
        *(_user(port, f"{prefix}{i}", password, n) for i, n in enumerate(each))
    )
    seconds = time.perf_counter() - begun
    print(f"{sum(done)} token logins in {seconds:.2f} s: {sum(done) / seconds:.0f}/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=6010)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--prefix", default="b")
    parser.add_argument("--password", default="pw")
    args = parser.parse_args()
    asyncio.run(main(args.port, args.users, args.count, args.prefix, args.password))
