"""The command itself: exit codes, the table on stderr, JSON as the last line and in --json."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import orjson

from chatapp.server.app import ChatServer


async def bench_process(*argv: str) -> tuple[int, str, str]:
    """Runs chatapp-bench in a child process; this loop keeps serving meanwhile."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "chatapp.bench", *argv,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(60):
        out, err = await child.communicate()
    assert child.returncode is not None
    return child.returncode, out.decode(), err.decode()


async def test_setup_then_pingpong_from_the_command_line(
    server: ChatServer, tmp_path: Path
) -> None:
    target = f"127.0.0.1:{server.port}"
    code, out, _ = await bench_process("setup", "--target", target, "--users", "2", "--quiet")
    assert code == 0, out
    saved = tmp_path / "out" / "result.json"
    code, out, err = await bench_process(
        "pingpong", "--target", target, "--pairs", "1", "--duration", "1", "--json", str(saved)
    )
    assert code == 0, err
    result = orjson.loads(out.splitlines()[-1])
    assert result["scenario"] == "pingpong" and result["delivered"] > 0
    assert result["loop"] == "uvloop"
    assert orjson.loads(saved.read_bytes()) == result
    assert "one_chat" in err and "latency in ms" in err  # the table
    assert "pingpong ping-pong" in err  # progress, as plain lines when not a terminal


async def test_a_failed_run_exits_2_with_the_reason(server: ChatServer) -> None:
    code, out, err = await bench_process(
        "pingpong", "--target", f"127.0.0.1:{server.port}", "--prefix", "nobody", "--quiet"
    )
    assert code == 2
    assert "chatapp-bench setup" in orjson.loads(out.splitlines()[-1])["fatal"]
    assert "no pair could log in" in err
