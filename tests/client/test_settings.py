"""Settings: round trip, damaged files, the command line overrides, and no password stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatapp.client.cli import parse_args
from chatapp.client.settings import Settings, load, parse_server, save, settings_path


def test_round_trip_and_no_password(tmp_path: Path) -> None:
    path = settings_path(tmp_path)
    assert load(path) == Settings()
    save(Settings(host="chat.example", port=7000, user="alice", theme="nord"), path)
    assert load(path) == Settings("chat.example", 7000, "alice", "nord")
    assert "password" not in path.read_text()


def test_damaged_file_falls_back_to_defaults(tmp_path: Path) -> None:
    path = settings_path(tmp_path)
    path.write_text("{not json")
    assert load(path) == Settings()
    path.write_text('{"port": "seven", "user": "bob"}')
    assert load(path) == Settings(user="bob")


def test_parse_server() -> None:
    assert parse_server("example.org:7000") == ("example.org", 7000)
    assert parse_server("example.org") == ("example.org", 6000)
    assert parse_server("[::1]:6001") == ("::1", 6001)
    with pytest.raises(ValueError):
        parse_server("host:70000")
    with pytest.raises(ValueError):
        parse_server("host:port")


def test_cli_options(tmp_path: Path) -> None:
    args = parse_args(["--host", "h", "--port", "7", "--config-dir", str(tmp_path)])
    assert (args.host, args.port, args.config_dir) == ("h", 7, tmp_path)
