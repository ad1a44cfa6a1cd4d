"""Message requests and /settings without a server: the commands parsed, the notices and
lists worded, each sender told once, the settings in plain words, refusals worded."""

from __future__ import annotations

import pytest

from chatapp.client.commands import COMMANDS, CommandError, Privacy, Strangers, parse
from chatapp.client.net import RequestFailed
from chatapp.client.privacy import describe, request
from chatapp.client.strangers import Gate, entry, notice, preview
from chatapp.client.wording import refused
from chatapp.protocol import (
    ChangeSettings,
    Errno,
    HeldPreview,
    MsgId,
    NewMessageRequest,
    SenderInfo,
    SettingsInfo,
)


def held(text: str, mid: int = 1) -> HeldPreview:
    return HeldPreview(mid, text, "2026-11-27 05:41:00", 1795758060000)


CAROL = SenderInfo(3, "carol", 1, (held("hello alice"),))


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("/message-requests", Strangers("list")),
        ("/message-requests more", Strangers("list", "more")),
        ("/allow 3", Strangers("allow", 3)),
        ("/allow zhao  liu", Strangers("allow", "zhao liu")),
        ("/refuse carol", Strangers("refuse", "carol")),
        ("/settings", Privacy()),
        ("/settings strangers requests", Privacy("strangers", "requests")),
        ("/settings Strangers FRIENDS", Privacy("strangers", "friends")),
        ("/settings findable off", Privacy("findable", "off")),
        ("/settings receipts no", Privacy("receipts", "no")),
    ],
)
def test_commands_parse(line: str, command: object) -> None:
    assert parse(line) == command


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("/message-requests all", "usage: /message-requests [more]"),
        ("/allow", "usage: /allow <id|name>"),
        ("/refuse", "usage: /refuse <id|name>"),
        ("/allow 0", "no id 0: ids start at 1"),
        ("/settings colour blue", "/settings changes strangers, findable, receipts"),
        ("/settings strangers maybe", "usage: /settings strangers everyone|requests|friends"),
        ("/settings findable", "usage: /settings findable on|off"),
        ("/settings receipts on off", "usage: /settings receipts on|off"),
    ],
)
def test_bad_commands_say_how_to_fix_them(line: str, error: str) -> None:
    with pytest.raises(CommandError, match="^" + error.replace("|", r"\|").replace("[", r"\[")):
        parse(line)


def test_help_lists_the_commands() -> None:
    assert COMMANDS["message-requests"].usage == "/message-requests [more]"
    assert COMMANDS["allow"].usage == "/allow <id|name>"
    assert COMMANDS["refuse"].usage == "/refuse <id|name>"
    assert COMMANDS["settings"].usage == "/settings [name value]"
    assert "who may message you" in COMMANDS["settings"].summary


def test_settings_requests_carry_the_servers_values() -> None:
    assert request(Privacy()) == ChangeSettings()
    assert request(Privacy("strangers", "friends")) == ChangeSettings(strangers="nobody")
    assert request(Privacy("strangers", "nobody")) == ChangeSettings(strangers="nobody")
    assert request(Privacy("strangers", "requests")) == ChangeSettings(strangers="requests")
    assert request(Privacy("findable", "off")) == ChangeSettings(findable=False)
    assert request(Privacy("receipts", "yes")) == ChangeSettings(receipts=True)


def test_settings_in_plain_words() -> None:
    assert describe(SettingsInfo("nobody", findable=False, receipts=False)).splitlines() == [
        "Who may message you: friends only (strangers friends)",
        "Found by the start of your name: no (findable off)",
        "Others see what you read: no (receipts off)",
    ]
    assert describe(SettingsInfo()).startswith("Who may message you: everyone (strangers everyone)")
    requests = describe(SettingsInfo("requests")).splitlines()[0]
    assert requests == "Who may message you: everyone; strangers as message requests " + (
        "(strangers requests)"
    )


def test_a_notice_says_who_and_how_to_answer() -> None:
    assert notice(CAROL) == (
        "carol (#3) wants to message you: /message-requests to read, /allow 3 or /refuse 3"
    )


def test_each_sender_is_told_once_until_answered() -> None:
    gate = Gate()
    assert gate.heard(NewMessageRequest(CAROL)) == notice(CAROL)
    again = SenderInfo(3, "carol", 2, (held("are you there?", 2),))
    assert gate.heard(NewMessageRequest(again)) is None
    dave = SenderInfo(4, "dave", 1, (held("hi"),))
    assert gate.heard(NewMessageRequest(dave)) == notice(dave)
    gate.forget()
    assert gate.heard(NewMessageRequest(again)) == notice(again)


def test_a_preview_is_one_line_cut_to_its_width() -> None:
    assert preview("two\nlines") == "“two lines”"
    long = preview("x" * 300)
    assert long == "“" + "x" * 47 + "…”"
    assert preview("漢" * 30) == "“" + "漢" * 23 + " …”"  # cells, not characters


def test_a_sender_is_listed_with_count_and_previews() -> None:
    many = SenderInfo(9, "zhao liu", 5, tuple(held(f"message {i}", i) for i in range(4)))
    assert entry(many).splitlines() == [
        "zhao liu (#9), 5 messages:",
        "  “message 0”",
        "  “message 1”",
        "  “message 2”",
        "  …and 2 more",
    ]
    assert entry(CAROL).splitlines() == ["carol (#3), 1 message:", "  “hello alice”"]


def test_refusals_in_plain_words() -> None:
    none_waits = RequestFailed(Errno.NO_SUCH_REQUEST, "no message request from user 4")
    assert refused(MsgId.MESSAGE_ANSWER, none_waits).startswith(
        "No message request of theirs waits for your answer"
    )
    bad = RequestFailed(Errno.INVALID_ARGUMENT, "field 'strangers' must be one of ...")
    assert refused(MsgId.SETTINGS, bad).startswith("The server does not take that value")
    assert refused(MsgId.FRIEND_ANSWER, none_waits) == "There is no such request waiting."
