"""The Limits table of docs/protocol.md is the one Config describes."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatapp.server import settings_doc
from chatapp.server.config import Config
from chatapp.server.settings import Limit, options
from chatapp.server.settings_doc import BEGIN, COMMAND, END, limits_table, readable, with_table


def test_the_limits_table_in_docs_protocol_md_is_current() -> None:
    text = settings_doc.PROTOCOL_DOC.read_text(encoding="utf-8")
    assert with_table(text, limits_table(Config())) == text, (
        f"docs/protocol.md's Limits table is not what Config describes: run `{COMMAND}`"
    )


def test_each_limit_has_a_row_naming_its_option() -> None:
    table = limits_table(Config())
    for option in options(Config()):
        assert (f"| `{option.flag}` |" in table) == (option.limit is not None), option.flag


@pytest.mark.parametrize(
    ("template", "value", "shown"),
    [
        ("{bytes}", 65_536, "65,536 bytes"),
        (
            "{bytes}, then the connection is dropped",
            4 * 1024 * 1024,
            "4 MiB, then the connection is dropped",
        ),
        ("{characters}", 16_000, "16,000 characters"),
        ("{count}", 200.0, "200"),
        ("{count} (0: none)", 2.5, "2.5 (0: none)"),
        ("{seconds}", 30 * 24 * 3600.0, "30 days"),
        ("{seconds}", 24 * 3600.0, "1 day"),
        ("{seconds} (0: none)", 300.0, "300 s (0: none)"),
        ("{seconds}", 90_000.0, "90,000 s"),
    ],
)
def test_a_default_is_shown_as_a_person_reads_it(template: str, value: float, shown: str) -> None:
    assert readable(Limit("anything", template), value) == shown


def test_the_table_goes_between_the_markers_and_nothing_else_changes() -> None:
    text = f"before\n\n{BEGIN}\n\n| old |\n\n{END}\n\nafter\n"
    assert with_table(text, "| new |\n") == f"before\n\n{BEGIN}\n\n| new |\n\n{END}\n\nafter\n"
    with pytest.raises(ValueError, match="markers are missing"):
        with_table("no markers here\n", "| new |\n")


def test_the_command_writes_the_table_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "protocol.md"
    doc.write_text(f"# Limits\n\n{BEGIN}\n\n| stale |\n\n{END}\n", encoding="utf-8")
    assert settings_doc.main([str(doc)]) == 0
    assert limits_table(Config()) in doc.read_text(encoding="utf-8")
    assert settings_doc.main([str(doc)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{doc}: the Limits table is written",
        f"{doc}: the Limits table is current",
    ]
