"""Each scenario for a second against a real server: it completes and its figures are sane."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from chatapp.bench.report import hints
from chatapp.server.app import ChatServer
from tests.bench.conftest import Bench, assert_latency, bench_on, config


def assert_clean(result: dict[str, Any]) -> None:
    """No fatal error, nothing lost, and the result survives JSON."""
    assert "fatal" not in result, result.get("fatal")
    assert orjson.loads(orjson.dumps(result)) == result
    for name, kind in result["kinds"].items():
        assert kind.get("lost", 0) == 0, name
        assert kind.get("duplicates", 0) == 0, name
    assert result["bench_cpu_total_s"] > 0


async def test_setup_registers_then_reuses(bench: Bench) -> None:
    first = await bench("setup", "--users", "6", "--groups", "2", "--group-size", "3")
    assert first["users_result"] == {"registered": 6}
    assert first["groups_result"] == {"created": 2}
    assert_latency(first["kinds"]["register"]["latency_ms"])
    again = await bench("setup", "--users", "7", "--groups", "2", "--group-size", "3")
    assert again["users_result"] == {"existed": 6, "registered": 1}
    assert again["groups_result"] == {"existed": 2}
    assert again["errors"] == {}


async def test_setup_refuses_groups_larger_than_the_users(bench: Bench) -> None:
    result = await bench("setup", "--users", "4", "--groups", "2", "--group-size", "3")
    assert "groups*size" in result["fatal"]


async def test_scenarios_without_users_say_how_to_make_them(bench: Bench) -> None:
    result = await bench("pingpong", "--pairs", "1", "--duration", "0.5")
    assert "chatapp-bench setup" in result["fatal"]
    assert result["errors"] == {"login_errno_1": 2}


async def test_pingpong(bench: Bench, server: ChatServer) -> None:
    await bench("setup", "--users", "4")
    result = await bench("pingpong", "--pairs", "2", "--duration", "1", "--pid", str(os.getpid()))
    assert_clean(result)
    chat = result["kinds"]["one_chat"]
    assert chat["count"] > 0 and chat["count"] == result["delivered"]
    assert chat["acked"] >= chat["count"] and chat["unacked"] == 0
    assert_latency(chat["latency_ms"])
    assert result["cpu"]["server_cpu_per_msg_us"] > 0
    assert result["login"] == {"ok": 4, "of": 4, "latency_ms": result["login"]["latency_ms"]}


async def test_pingpong_acknowledges_deliveries_by_seq(bench: Bench) -> None:
    await bench("setup", "--users", "2")
    result = await bench("pingpong", "--pairs", "1", "--duration", "0.5", "--ack-every", "4")
    delivery = result["delivery"]
    assert delivery["seq_seen"], "the server sent no seq"
    assert delivery["acks_sent"] > 0 and delivery["gaps_at_end"] == 0
    assert delivery["redelivered"] == 0


async def test_a_rate_limited_server_refuses_and_nothing_is_lost(tmp_path: Path) -> None:
    chat = ChatServer(config(tmp_path, throttled=True))
    await chat.start()
    try:
        bench = bench_on(chat.port)
        await bench("setup", "--users", "2")
        result = await bench("pingpong", "--pairs", "1", "--duration", "1.5")
    finally:
        await chat.shutdown()
    assert_clean(result)
    refused = result["kinds"]["one_chat"]["refused"]
    # Acks (DELIVERED) may be refused too; they have no reply to tell.
    assert refused > 0 and result["errors"]["one_chat_errno_14"] == refused
    assert set(result["errors"]) <= {"one_chat_errno_14", "delivered_errno_14"}
    assert "--rate-limit 0" in result["hints"][0]


async def test_pingpong_across_two_targets_and_a_count_limit(
    bench: Bench, server: ChatServer
) -> None:
    await bench("setup", "--users", "4")
    target = f"127.0.0.1:{server.port}"
    result = await bench(
        "pingpong", "--targets", f"{target},{target}", "--pairs", "2", "--count", "50",
        "--duration", "20", "--no-cid",
    )  # fmt: skip
    assert_clean(result)
    assert result["kinds"]["one_chat"]["sent"] == 50
    assert result["cpu"]["wall_s"] < 20  # the count ended it, not the clock


async def test_groups(bench: Bench) -> None:
    await bench("setup", "--users", "6", "--groups", "2", "--group-size", "3")
    result = await bench(
        "groups", "--groups", "2", "--group-size", "3", "--window", "2", "--duration", "1"
    )
    assert_clean(result)
    chat = result["kinds"]["group_chat"]
    assert chat["count"] > 0 and chat["complete"] > 0
    assert chat["count"] >= 2 * chat["complete"]  # two other members each
    assert_latency(chat["latency_ms"])
    assert_latency(chat["complete_latency_ms"])


async def test_groups_that_were_not_set_up(bench: Bench) -> None:
    await bench("setup", "--users", "6")
    result = await bench("groups", "--groups", "2", "--group-size", "3", "--duration", "0.5")
    assert "--groups 2 --group-size 3" in result["fatal"]


async def test_conns_reads_the_server_memory(bench: Bench) -> None:
    await bench("setup", "--users", "20")
    result = await bench(
        "conns", "--count", "20", "--duration", "0.5", "--settle", "0.1", "--pid", str(os.getpid())
    )
    assert_clean(result)
    kinds = result["kinds"]
    assert kinds["connect"]["count"] == kinds["login"]["count"] == kinds["idle"]["count"] == 20
    assert set(result["memory"]["rss_kib"]) == {"before", "logged_in", "closed"}
    assert result["memory"]["kib_per_conn"] is not None


async def test_conns_in_two_phases_from_two_source_addresses(bench: Bench) -> None:
    await bench("setup", "--users", "10")
    result = await bench(
        "conns", "--count", "10", "--duration", "0.2", "--settle", "0", "--split-phases",
        "--src-ips", "2", "--pid", str(os.getpid()),
    )  # fmt: skip
    assert_clean(result)
    assert result["source_addresses"] == 2
    assert result["kinds"]["idle"]["count"] == 10
    assert "kib_per_login" in result["memory"]


async def test_logins_with_pingpong(bench: Bench) -> None:
    await bench("setup", "--users", "6")
    result = await bench(
        "logins", "--users", "2", "--count", "20", "--with-pingpong", "2", "--baseline", "0.3"
    )
    assert_clean(result)
    kinds = result["kinds"]
    password = kinds["password_login"]
    assert password["count"] == 20 and password["failed"] == 0
    assert_latency(password["latency_ms"])
    assert kinds["one_chat_baseline"]["count"] > 0
    assert kinds["one_chat_during_password_login"]["count"] > 0


async def test_logins_beside_a_registration_flood(bench: Bench) -> None:
    await bench("setup", "--users", "2")
    result = await bench("logins", "--users", "2", "--count", "10", "--with-registrations", "3")
    password = result["kinds"]["password_login"]
    assert password["count"] == 10 and password["failed"] == 0
    flood = result["kinds"]["registration_flood"]
    assert flood["connections"] == 3 and flood["failed"] == 0
    # Each flooding connection had a REG on its way when the logins ended, and its answer
    # was waited for: registered, or refused as busy or by the per-address limit.
    assert flood["count"] + flood["refused_busy"] + flood["refused_locked"] >= 3
    assert result["errors"] == {}


def test_a_flood_stopped_by_the_per_address_limit_is_pointed_out() -> None:
    result = {"kinds": {"registration_flood": {"count": 30, "refused_locked": 900}}}
    assert any("--register-per-address 0" in hint for hint in hints(result))


async def test_logins_resume_with_tokens(bench: Bench) -> None:
    await bench("setup", "--users", "2")
    result = await bench("logins", "--users", "2", "--count", "10")
    token = result["kinds"]["token_login"]
    assert "skipped" not in token, token.get("skipped")
    assert token["count"] == 10 and token["failed"] == 0
    assert_latency(token["latency_ms"])
    assert result["errors"] == {}


async def test_mixed(bench: Bench) -> None:
    await bench("setup", "--users", "14", "--groups", "1", "--group-size", "4")
    result = await bench(
        "mixed", "--users", "14", "--pairs", "2", "--groups", "1", "--group-size", "4",
        "--think", "0.05", "--reconnects", "10", "--duration", "1.5",
    )  # fmt: skip
    assert_clean(result)
    kinds = result["kinds"]
    assert kinds["one_chat"]["count"] > 0 and kinds["group_chat"]["count"] > 0
    assert kinds["reconnect"]["count"] > 0 and kinds["reconnect"]["failed"] == 0
    assert kinds["idle"] == {"count": 6, "alive_at_end": 6}
