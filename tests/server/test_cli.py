"""chatapp-server's options and environment variables, derived from Config, parsed in-process."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import fields
from typing import Any

import pytest

from chatapp.server import cli
from chatapp.server.config import Config
from chatapp.server.logs import LogFormat
from chatapp.server.settings import Option, options, switch

# By the parser of each kind of field: a text, and the value it must become.
SAMPLES: dict[Callable[[str], Any], tuple[str, Any]] = {
    int: ("7", 7),
    float: ("2.5", 2.5),
    str: ("somewhere", "somewhere"),
    switch: ("on", True),
    LogFormat: ("json", LogFormat.JSON),
}
CONFIG_OPTIONS = options(Config())


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No CHATAPP_ variable of the machine or of another test leaks in."""
    for name in list(os.environ):
        if name.startswith("CHATAPP_"):
            monkeypatch.delenv(name)


def test_every_config_field_has_an_option_and_an_environment_variable() -> None:
    assert [(o.name, o.flag, o.env) for o in CONFIG_OPTIONS] == [
        (f.name, "--" + f.name.replace("_", "-"), "CHATAPP_" + f.name.upper())
        for f in fields(Config)
    ]


def test_with_nothing_given_the_config_is_the_default() -> None:
    config, args = cli.parse_args([])
    assert config == Config()
    assert (args.init_db, args.log_level) == (False, "INFO")


@pytest.mark.parametrize("option", CONFIG_OPTIONS, ids=lambda o: o.flag)
def test_each_option_is_parsed_by_its_type_from_the_command_line(option: Option) -> None:
    text, value = SAMPLES[option.parse]
    config, _ = cli.parse_args([option.flag, text])
    assert getattr(config, option.name) == value
    assert type(getattr(config, option.name)) is type(value)


@pytest.mark.parametrize("option", CONFIG_OPTIONS, ids=lambda o: o.env)
def test_each_option_is_parsed_by_its_type_from_the_environment(
    option: Option, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, value = SAMPLES[option.parse]
    monkeypatch.setenv(option.env, text)
    config, _ = cli.parse_args([])
    assert getattr(config, option.name) == value


def test_an_option_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATAPP_PORT", "7001")
    monkeypatch.setenv("CHATAPP_PROXY_PROTOCOL", "on")
    config, _ = cli.parse_args(["--port", "7002", "--proxy-protocol", "off"])
    assert (config.port, config.proxy_protocol) == (7002, False)


@pytest.mark.parametrize(
    ("text", "value"),
    [(t, True) for t in ("on", "ON", "yes", "true", "1", " on ")]
    + [(t, False) for t in ("off", "Off", "no", "false", "0")],
)
def test_a_switch_reads_on_and_off_from_both_places(
    text: str, value: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli.parse_args(["--proxy-protocol", text])[0].proxy_protocol is value
    monkeypatch.setenv("CHATAPP_PROXY_PROTOCOL", text)
    assert cli.parse_args([])[0].proxy_protocol is value


@pytest.mark.parametrize(
    ("flag", "text"),
    [("--proxy-protocol", "maybe"), ("--port", "6000.5"), ("--idle-timeout", "soon")],
)
def test_a_bad_option_value_is_a_clean_usage_error(
    flag: str, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.parse_args([flag, text])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}" in err
    assert repr(text) in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("env", "text"),
    [("CHATAPP_PROXY_PROTOCOL", "maybe"), ("CHATAPP_PORT", "6000.5"), ("CHATAPP_RATE_LIMIT", "x")],
)
def test_a_bad_environment_value_is_a_clean_usage_error(
    env: str, text: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(env, text)
    with pytest.raises(SystemExit) as exited:
        cli.parse_args([])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"{env}={text!r} is not a valid" in err
    assert "Traceback" not in err


def test_help_shows_each_default_as_an_operator_reads_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        cli.parse_args(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--proxy-protocol {on,off}" in text
    assert "(env CHATAPP_PROXY_PROTOCOL; default: off)" in text
    assert "(env CHATAPP_TLS_CERT; default: none)" in text
    assert "(env CHATAPP_MAX_FRAME; default: 65536)" in text
