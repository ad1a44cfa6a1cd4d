"""Option parsing: targets (loopback only unless allowed), pids, prefixes, per-scenario defaults."""

from __future__ import annotations

import pytest

from chatapp.bench.cli import build_parser, main
from chatapp.bench.options import (
    OptionError,
    Target,
    check_prefix,
    parse_pids,
    parse_target,
    parse_targets,
)
from chatapp.bench.scenarios import SCENARIOS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:6001", Target("127.0.0.1", 6001)),
        ("localhost:7000", Target("127.0.0.1", 7000)),
        (":7000", Target("127.0.0.1", 7000)),
        ("7000", Target("127.0.0.1", 7000)),
        ("127.0.0.5", Target("127.0.0.5", 6000)),
        ("[::1]:6002", Target("::1", 6002)),
    ],
)
def test_loopback_targets(text: str, expected: Target) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize("text", ["10.0.0.1:6000", "example.com:6000", "[2001:db8::1]:6000"])
def test_other_targets_need_allow_remote(text: str) -> None:
    with pytest.raises(OptionError, match="--allow-remote"):
        parse_target(text)
    assert parse_target(text, allow_remote=True).port == 6000


@pytest.mark.parametrize("text", ["127.0.0.1:x", "127.0.0.1:0", "127.0.0.1:70000", "[::1"])
def test_bad_targets(text: str) -> None:
    with pytest.raises(OptionError):
        parse_target(text)


def test_several_targets() -> None:
    assert [str(t) for t in parse_targets("127.0.0.1:1, [::1]:2")] == ["127.0.0.1:1", "[::1]:2"]
    with pytest.raises(OptionError):
        parse_targets(" , ")


def test_pids_and_prefix() -> None:
    assert parse_pids("12, 34") == [12, 34]
    assert parse_pids("") == []
    for bad in ("x", "-3"):
        with pytest.raises(OptionError):
            parse_pids(bad)
    assert check_prefix("load_1") == "load_1"
    for bad in ("", "a b", "x" * 41):
        with pytest.raises(OptionError):
            check_prefix(bad)


def test_every_scenario_has_the_common_options() -> None:
    parser = build_parser()
    for name, scenario in SCENARIOS.items():
        argv = [name, "--target", "127.0.0.1:7", "--users", "4"] if name == "setup" else [name]
        args = parser.parse_args(argv)
        assert args.duration == scenario.duration
        assert args.count == 0 and args.pid == "" and args.json is None
        assert args.ack_every == 64 and args.ack_delay == 0.0


def test_scenario_options() -> None:
    args = build_parser().parse_args(
        ["pingpong", "--targets", "127.0.0.1:1,127.0.0.1:2", "--pairs", "3", "--count", "50"]
    )
    assert (args.targets, args.pairs, args.count) == ("127.0.0.1:1,127.0.0.1:2", 3, 50)
    args = build_parser().parse_args(["logins", "--with-pingpong", "2", "--users", "5"])
    assert (args.with_pingpong, args.users) == (2, 5)


@pytest.mark.parametrize(
    "argv",
    [
        ["pingpong", "--pairs", "0"],
        ["pingpong", "--duration", "-1"],
        ["groups", "--window", "x"],
        ["conns", "--count", "-5"],
        ["setup"],
        ["nosuch"],
    ],
)
def test_bad_values_exit_with_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_main_refuses_a_remote_target(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["pingpong", "--target", "192.0.2.1:6000", "--quiet"])
    assert exc.value.code == 2
    assert "refusing non-loopback target" in capsys.readouterr().err
