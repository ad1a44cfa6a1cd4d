"""chatapp-client's command line: --version names the installed version, --help explains."""

from __future__ import annotations

from importlib import metadata

import pytest

from chatapp.client.cli import parse_args
from chatapp.client.settings import data_path, settings_path


def test_version_is_the_installed_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        parse_args(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"chatapp-client {metadata.version('chatapp')}"


def test_help_says_what_each_option_is_and_where_things_are_kept(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stop:
        parse_args(["--help"])
    assert stop.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for option in ("--host HOST", "--port PORT", "--config-dir DIR", "--data-dir DIR"):
        assert option in text
    assert "--log-file FILE" in text and "--version" in text
    assert "chat server's address" in text and "port number" in text
    assert "never the password" in text and "not sent yet" in text
    assert "bug report" in text  # what --log-file is for
    assert str(settings_path()) in text and str(data_path()) in text
    assert "F1" in text


def test_options_still_parse() -> None:
    args = parse_args(["--host", "example.org", "--port", "6001", "--log-file", "x.log"])
    assert (args.host, args.port, str(args.log_file)) == ("example.org", 6001, "x.log")
