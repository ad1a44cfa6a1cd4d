"""Search and mentions: matching in any case and script, stepping, --all, the marks drawn."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rich.console import Console
from rich.style import Style

from chatapp.client.commands import Alerts, CommandError, Find, parse
from chatapp.client.conversation import Conversation, ConvKey, Kind, Line
from chatapp.client.mentions import mention_spans, mentions
from chatapp.client.search import MOST_RESULTS, Search, excerpt, search_all, spans
from chatapp.client.widgets.message_rows import PREFIX_WIDTH, Rows

from .fakes import NOW

BOB = ConvKey(Kind.USER, 2)
DEVS = ConvKey(Kind.GROUP, 1)


def line(text: str, minutes: int = 0) -> Line:
    return Line(2, "bob", text, NOW + timedelta(minutes=minutes))


@pytest.mark.parametrize(
    ("text", "query", "found"),
    [
        ("The deploy, the DEPLOY", "deploy", [(4, 10), (16, 22)]),
        ("nothing here", "deploy", []),
        ("anything", "", []),
        ("Straße und STRASSE", "strasse", [(0, 6), (11, 18)]),  # full case folding: ß is ss
        ("ΟΔΥΣΣΕΥΣ", "οδυσσευς", [(0, 8)]),  # final sigma folds too
        ("Привет, МИР", "мир", [(8, 11)]),
        ("日本語のテキストです", "テキスト", [(4, 8)]),  # wide characters: character offsets
        ("ok 👍🏽 done", "👍🏽", [(3, 5)]),
        ("aaaa", "aa", [(0, 2), (2, 4)]),
        ("un Cafe\u0301 noir", "CAFÉ", [(3, 8)]),  # the accent apart, or composed
        ("un café noir", "CAFE\u0301", [(3, 7)]),
    ],
)
def test_spans_ignore_case_in_any_script(text: str, query: str, found: list[object]) -> None:
    assert spans(text, query) == found


def test_a_search_starts_on_the_newest_match_and_steps_round_the_ends() -> None:
    lines = [line("deploy one"), line("other"), line("Deploy two"), line("DEPLOY three")]
    search = Search(BOB, "deploy")
    assert search.step(lines) == (3, 3) and search.current is lines[3]
    assert search.step(lines, -1) == (2, 3) and search.current is lines[2]
    assert search.step(lines, -1) == (1, 3) and search.current is lines[0]
    assert search.step(lines, -1) == (3, 3) and search.current is lines[3]  # round the end
    assert search.step(lines, 1) == (1, 3) and search.current is lines[0]
    lines.insert(0, line("an older deploy"))  # a page of history came: the place follows
    assert search.step(lines, 0) == (2, 4) and search.current is lines[1]
    assert search.step([line("nothing")], 1) == (0, 0) and search.current is None


def test_search_all_lists_the_newest_matches_of_every_conversation() -> None:
    bob, devs = Conversation(BOB, "bob"), Conversation(DEVS, "devs")
    bob.add([line("the deploy is done", 1), line("lunch?", 2)])
    devs.add([line("who broke the Deploy", 3), line("deployment notes", 0)])
    hits, total = search_all([bob, devs], "deploy")
    assert total == 3
    assert [(hit.title, hit.line.text) for hit in hits] == [
        ("devs", "who broke the Deploy"),
        ("bob", "the deploy is done"),
        ("devs", "deployment notes"),
    ]
    many = Conversation(BOB, "bob")
    many.add([line(f"deploy {n}", n) for n in range(MOST_RESULTS + 20)])
    hits, total = search_all([many], "DEPLOY")
    assert total == MOST_RESULTS + 20 and len(hits) == MOST_RESULTS  # bounded
    assert hits[0].line.text == f"deploy {MOST_RESULTS + 19}"  # newest first


def test_excerpt_is_one_line_around_the_match() -> None:
    text = "a long start of a message\nthat goes on and on before the word needle appears"
    cut = excerpt(text, spans(text, "needle")[0], width=30)
    assert "needle" in cut and "\n" not in cut and cut.startswith("…") and len(cut) <= 30
    assert excerpt("short", (0, 5)) == "short"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("hi alice, look", [(3, 8)]),
        ("@Alice look", [(0, 6)]),  # the @ is part of the mention
        ("ALICE!", [(0, 5)]),
        ("thanks alice and @alice", [(7, 12), (17, 23)]),
        ("malice aforethought", []),  # inside another word
        ("alices and alice_b and alice2", []),
        ("mail bob@alice.example", []),  # an address, not a mention
        ("", []),
    ],
)
def test_mentions_are_whole_words_with_or_without_at(text: str, found: list[object]) -> None:
    assert mention_spans(text, "alice") == found
    assert mentions(text, "alice") is bool(found)


def test_mentions_in_other_scripts_and_wide_names() -> None:
    assert mention_spans("Привет, АЛИСА!", "Алиса") == [(8, 13)]
    assert mention_spans("@李四 你好", "李四") == [(0, 3)]
    assert mention_spans("李四 你好", "李四") == [(0, 2)]
    assert mention_spans("张李四你好", "李四") == []  # inside a run of the same script's letters
    assert mention_spans("你好@李四 请看", "李四") == [(2, 5)]  # with @, after any letter
    assert mention_spans("ping a.b", "a.b") == [(5, 8)]  # the name is literal, not a pattern
    assert mention_spans("ping axb", "a.b") == []
    assert mention_spans("anything", " ") == []


def test_marks_keep_the_width_and_style_the_cells_of_a_wide_mention() -> None:
    console = Console(width=80, color_system="truecolor")
    styles = {"mention": Style(reverse=True, bold=True), "mentioned": Style(color="red")}
    rows = Rows(console, lambda name: styles.get(name, Style()), 80)
    wide = Line(2, "bob", "你好 @李四 请看", NOW)
    plain = rows.render(wide, 80, Style())
    rows.marker = lambda item: [(s, e, "mention") for s, e in mention_spans(item.text, "李四")]
    marked = rows.render(wide, 80, Style())
    assert [strip.cell_length for strip in marked] == [strip.cell_length for strip in plain]
    segments = list(marked[0])
    assert [s.text for s in segments if s.style and s.style.reverse] == ["@李四"]
    assert any(s.text == " ┃ " for s in segments)  # the row is marked in its rule
    assert not any(s.text == " ┃ " for s in plain[0])
    assert marked[0].cell_length == 80 and PREFIX_WIDTH < 80


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("/search deploy fix", Find("deploy fix")),
        ("/search", Find("")),
        ("/search --all Deploy", Find("Deploy", everywhere=True)),
        ("/search --allnighter", Find("--allnighter")),
        ("/alerts", Alerts("")),
        ("/alerts both", Alerts("bell+title")),
        ("/alerts BELL", Alerts("bell")),
        ("/alerts title", Alerts("title")),
        ("/alerts off", Alerts("off")),
    ],
)
def test_parses_search_and_alerts(line: str, command: object) -> None:
    assert parse(line) == command


@pytest.mark.parametrize(
    ("line", "usage"), [("/search --all", "--all <text>"), ("/alerts loud", "bell|title")]
)
def test_explains_search_and_alerts_mistakes(line: str, usage: str) -> None:
    with pytest.raises(CommandError, match=usage):
        parse(line)
