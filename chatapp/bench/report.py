"""The human-readable end of a run: a table per result, from the same JSON that is saved."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from .conn import Json

# Columns of the main table: one row per kind of traffic.
_MAIN = ("count", "per_s", "latency_ms", "lost", "duplicates")
_CPU_KEYS = (
    ("wall_s", "measured (s)"),
    ("bench_cpu_s", "bench CPU (s)"),
    ("bench_cores", "bench cores"),
    ("server_cpu_total_s", "server CPU (s)"),
    ("server_cores", "server cores"),
    ("server_cpu_per_msg_us", "server CPU per message (µs)"),
    ("server_cpu_per_login_us", "server CPU per login (µs)"),
    ("bench_cpu_per_msg_us", "bench CPU per message (µs)"),
    ("other_cores", "other processes (cores)"),
)


def hints(result: Json) -> list[str]:
    """What an operator should know before trusting the figures."""
    out: list[str] = []
    errors: dict[str, int] = result.get("errors") or {}
    refused = sum(n for key, n in errors.items() if key.endswith("errno_14"))
    if refused:
        out.append(
            f"{refused:,} requests refused for rate (errno 14): the server limits each "
            "connection; start it with --rate-limit 0 to measure capacity, not the limit"
        )
    if any(key.endswith("errno_15") for key in errors):
        out.append(
            "logins locked (errno 15) after failed logins from this address or account: "
            "check --password and --prefix, or the server's --login-address-failures"
        )
    flood = (result.get("kinds") or {}).get("registration_flood") or {}
    if flood.get("refused_locked"):
        out.append(
            "registrations refused per address (errno 17): start the server with "
            "--register-per-address 0 for a flood that reaches the hashing queue"
        )
    delivery = result.get("delivery") or {}
    if delivery.get("chats") and not delivery.get("seq_seen"):
        out.append("the server sent no delivery seq (an older server?): nothing acknowledged")
    cpu = result.get("cpu") or {}
    # Without --pid the servers themselves are the "other" processes.
    if result.get("pids") and (cpu.get("other_cores") or 0) > 0.3:
        out.append(
            f"other processes used {cpu['other_cores']} cores meanwhile: the figures are noisy"
        )
    if (cpu.get("bench_cores") or 0) > 0.9:
        out.append("the bench used a whole core: it may be the bottleneck, not the server")
    return out


def render(result: Json, console: Console) -> None:
    """Prints the kinds table, then CPU, memory, deliveries and errors."""
    title = f"chatapp-bench {result.get('scenario')}  {', '.join(result.get('targets', []))}"
    if "fatal" in result:
        console.print(f"[bold red]{title}: {result['fatal']}[/]")
    kinds: dict[str, Json] = result.get("kinds") or {}
    if kinds:
        console.print(_kinds_table(title, kinds))
    facts = [(name, other) for name, kind in kinds.items() if (other := _other(kind))]
    facts += _facts(result)
    if facts:
        table = Table(show_header=False, box=None, padding=(0, 2))
        for key, value in facts:
            table.add_row(key, value)
        console.print(table)


def _kinds_table(title: str, kinds: dict[str, Json]) -> Table:
    table = Table(title=title, title_justify="left", caption="latency in ms")
    for name in ("kind", "count", "per s", "p50", "p90", "p99", "max", "lost", "dup"):
        table.add_column(name, justify="left" if name == "kind" else "right", no_wrap=True)
    for name, kind in kinds.items():
        latency = kind.get("latency_ms") or {}
        table.add_row(
            name,
            _fmt(kind.get("count")),
            _fmt(kind.get("per_s")),
            *(_fmt(latency.get(q)) for q in ("p50", "p90", "p99", "max")),
            _fmt(kind.get("lost")),
            _fmt(kind.get("duplicates")),
        )
    return table


def _other(kind: Json) -> str:
    parts = []
    for key, value in kind.items():
        if key in _MAIN or key == "per_second":
            continue
        if isinstance(value, dict):
            if "p99" in value:
                parts.append(f"{key.removesuffix('_ms')} p99 {value['p99']} ms")
            continue
        if value not in (0, None, [], ""):
            parts.append(f"{key} {_fmt(value)}")
    return ", ".join(parts)


def _facts(result: Json) -> list[tuple[str, str]]:
    facts: list[tuple[str, str]] = []
    login = result.get("login")
    if login and login.get("of"):
        latency = login.get("latency_ms", {})
        facts.append(
            (
                "logged in",
                f"{_fmt(login['ok'])} of {_fmt(login['of'])}, p99 {_fmt(latency.get('p99'))} ms",
            )
        )
    cpu = result.get("cpu") or {}
    facts.extend((label, _fmt(cpu[key])) for key, label in _CPU_KEYS if cpu.get(key) is not None)
    facts.extend(
        (key.replace("_", " "), _fmt(value))
        for key, value in result.items()
        if key.endswith("_result") and isinstance(value, dict)
    )
    memory = result.get("memory") or {}
    if memory.get("kib_per_conn") is not None:
        facts.append(("server KiB per connection", _fmt(memory["kib_per_conn"])))
    for stage, rss in (memory.get("rss_kib") or {}).items():
        facts.append((f"server RSS {stage} (KiB)", _fmt(rss)))
    delivery = result.get("delivery") or {}
    if delivery.get("chats"):
        if delivery.get("seq_seen"):
            text = (
                f"acks sent {delivery['acks_sent']}, redelivered {delivery['redelivered']}, "
                f"out of order {delivery['out_of_order_seq']}, gaps {delivery['gaps_at_end']}"
            )
        else:
            text = "the server sent no seq: nothing acknowledged"
        facts.append(("delivery sequence", text))
    errors = result.get("errors") or {}
    if errors:
        facts.append(("errors", ", ".join(f"{k} {v}" for k, v in sorted(errors.items()))))
    facts.extend(("[yellow]hint[/]", hint) for hint in result.get("hints", []))
    return facts


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)).isdigit():  # one server: its pid adds nothing
            return _fmt(next(iter(value.values())))
        return ", ".join(f"{k} {_fmt(v)}" for k, v in value.items())
    return str(value)
