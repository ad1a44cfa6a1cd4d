"""chatapp-bench's command line: a subcommand per scenario, a table on stderr, JSON on stdout."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console

from chatapp import __version__

from .conn import Json
from .dialer import raise_open_files_limit
from .fleet import Fleet
from .options import OptionError, add_common
from .procstat import memory, own_cpu
from .progress import Progress
from .report import hints, render
from .run import BenchFailure, Run
from .scenarios import SCENARIOS

EXIT_FATAL = 2
EXIT_INTERRUPTED = 130

EPILOG = """\
Users are PREFIX0, PREFIX1, ... with one password; `setup` registers them (and groups
PREFIXg0.. of consecutive users) and can be run again. Every scenario logs in by name, so
nothing is saved between runs. The table goes to stderr, the JSON result is the last line
of stdout (and --json FILE). Only loopback targets are accepted unless --allow-remote.
To measure capacity rather than the server's per-connection rate limit, start the server
with --rate-limit 0.

  chatapp-bench setup --users 200 --groups 4 --group-size 10
  chatapp-bench pingpong --pairs 50 --duration 20 --pid $(pgrep -d, -f chatapp-server)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chatapp-bench",
        description="Load generator for chatapp-server: measures throughput, latency, loss,\n"
        "and the server's CPU and memory, to size a deployment.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"chatapp {__version__}")
    sub = parser.add_subparsers(dest="scenario", required=True, metavar="SCENARIO")
    for scenario in SCENARIOS.values():
        p = sub.add_parser(scenario.name, help=scenario.help, description=scenario.help)
        scenario.add_arguments(p)
        add_common(
            p,
            duration=scenario.duration,
            duration_help=scenario.duration_help,
            count_help=scenario.count_help,
        )
    return parser


async def execute(args: argparse.Namespace) -> Json:
    """Runs the chosen scenario in the running loop; the result, also on failure."""
    scenario = SCENARIOS[args.scenario]
    progress = Progress(scenario.name, enabled=not args.quiet)
    run = Run.from_args(scenario.name, args, progress)
    fleet = Fleet(run)
    loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
    result: Json = {
        **run.common_result(),
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "loop": loop,
        "duration_s": run.duration,
        "count": run.count,
        "cid": run.cid,
        "ack_policy": {"every": run.policy.every, "delay_s": run.policy.delay},
    }
    async with progress:
        try:
            result.update(await scenario.run(run, fleet, args))
        except BenchFailure as exc:
            result["fatal"] = str(exc)
        finally:
            result["delivery"] = run.deliveries.to_json(fleet.gaps())
            await fleet.close()
    if len(run.login_latency) or fleet.failed:
        result["login"] = {
            "ok": fleet.signed_in,
            "of": fleet.signed_in + fleet.failed,
            "latency_ms": run.login_latency.summary(),
        }
    if run.pids and "memory" not in result:
        result["memory"] = {"rss_kib": {"before": run.memory_before, "after": memory(run.pids)}}
    result["errors"] = dict(sorted(run.errors.items()))
    result["hints"] = hints(result)
    user, system = own_cpu()
    result["bench_cpu_total_s"] = round(user + system, 3)
    return result


async def run_bench(argv: Sequence[str]) -> Json:
    """Parses a command line and runs it in the running loop (tests and embedding)."""
    args = build_parser().parse_args(argv)
    return await execute(args)


def _runner(no_uvloop: bool) -> Any:
    if not no_uvloop:
        try:
            import uvloop
        except ImportError:
            pass
        else:
            return uvloop.run
    return asyncio.run


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `chatapp-bench`; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    raise_open_files_limit()
    # A log file gets a table wide enough to read, not rich's 80 columns.
    console = Console(stderr=True, width=None if sys.stderr.isatty() else 120)
    coro: Coroutine[Any, Any, Json] = execute(args)
    try:
        result: Json = _runner(args.no_uvloop)(coro)
    except OptionError as exc:
        parser.error(str(exc))
    except KeyboardInterrupt:
        console.print("interrupted")
        return EXIT_INTERRUPTED
    render(result, console)
    line = orjson.dumps(result)
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.buffer.write(line + b"\n")
    sys.stdout.flush()
    return EXIT_FATAL if "fatal" in result else 0
