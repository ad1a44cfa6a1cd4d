"""Command parsing: every command, its arguments, and the errors that explain usage."""

from __future__ import annotations

import pytest

from chatapp.client.commands import (
    COMMANDS,
    Add,
    Close,
    CommandError,
    Create,
    Help,
    Join,
    Logout,
    Msg,
    Quit,
    Say,
    Theme,
    parse,
)


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("hello there", Say("hello there")),
        ("  indented", Say("  indented")),
        ("//etc/passwd is a path", Say("/etc/passwd is a path")),
        ("/msg 42", Msg(42)),
        ("/msg 42 hi there  bob", Msg(42, "hi there  bob")),
        ("/msg bob hi", Msg("bob", "hi")),
        ("/MSG 7 loud", Msg(7, "loud")),
        ("/add 3", Add(3)),
        ("/add  3 ", Add(3)),
        ("/add bob", Add("bob")),  # a name: the server says whose it is
        ("/add ²", Add("²")),  # superscripts are no id
        ("/create devs", Create("devs")),
        ("/create devs where builds are discussed", Create("devs", "where builds are discussed")),
        ("/join 12", Join(12)),
        ("/theme", Theme()),
        ("/theme nord", Theme("nord")),
        ("/logout", Logout()),
        ("/quit", Quit()),
        ("/help", Help()),
        ("/close", Close()),
        ("/msg carol hi", Msg("carol", "hi")),  # a name, friend or not
    ],
)
def test_parses(line: str, command: object) -> None:
    assert parse(line) == command


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/frobnicate", "unknown command /frobnicate"),
        ("/msg", "usage: /msg"),
        ("/add", "usage: /add <id|name>"),
        ("/add 1 2", "usage: /add <id|name>"),
        ("/add bob carol", "usage: /add <id|name>"),
        ("/join x", "'x' is not a number"),
        ("/create", "usage: /create"),
        ("/quit now", "usage: /quit"),
        ("/close bob", "usage: /close"),
    ],
)
def test_explains_mistakes(line: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        parse(line)


def test_every_command_has_usage_and_summary() -> None:
    for name, spec in COMMANDS.items():
        assert spec.usage.startswith(f"/{name}")
        assert spec.summary


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("/msg ² hi", Msg("²", "hi")),  # a superscript is no digit of an id: a name
        ("/msg ٣ hi", Msg("٣", "hi")),
        ("/msg 9223372036854775807 hi", Msg(2**63 - 1, "hi")),
        ("/add 9223372036854775807", Add(2**63 - 1)),
        ("/join 1", Join(1)),
    ],
)
def test_ids_are_ascii_digits_and_anything_else_a_name(line: str, command: object) -> None:
    assert parse(line) == command


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/msg 99999999999999999999999 hi", "no id is that large"),
        ("/msg 9223372036854775808", "no id is that large"),
        ("/msg 0 x", "ids start at 1"),
        ("/msg 000", "ids start at 1"),
        ("/add 99999999999999999999999", "no id is that large"),
        ("/add 0", "ids start at 1"),
        ("/join ٣", "'٣' is not a number"),
        ("/join 1_000", "'1_000' is not a number"),
        ("/join 9223372036854775808", "no id is that large"),
        ("/join 0", "ids start at 1"),
    ],
)
def test_refuses_ids_beyond_the_protocol(line: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        parse(line)
