"""Property-based: the command parser takes any line of Unicode text without crashing, and
every id it hands on fits the protocol."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from chatapp.client.commands import COMMANDS, MAX_ID, Add, CommandError, Join, Msg, parse

# Lines that start like a command, with any text (digits of every script) after the name.
COMMAND_LINES = st.builds(
    lambda name, gap, rest: f"/{name}{gap}{rest}",
    st.sampled_from(sorted(COMMANDS)),
    st.sampled_from([" ", "  ", "\t", ""]),
    st.text() | st.from_regex("-?[0-9\u00b2\u00b3\u00b9\u0660-\u0669]{1,30}( .*)?", fullmatch=True),
)


@given(st.text() | COMMAND_LINES)
@example("/msg ² hi")
@example("/msg 99999999999999999999999 hi")
@example("/add 9223372036854775808")
@example("/join 0")
def test_any_line_parses_or_is_explained(line: str) -> None:
    try:
        command = parse(line)
    except CommandError as exc:
        assert str(exc)
        return
    ids = [
        value
        for value in (
            getattr(command, "user", None),
            getattr(command, "user_id", None),
            getattr(command, "group_id", None),
        )
        if isinstance(value, int)
    ]
    assert all(1 <= value <= MAX_ID for value in ids)
    if isinstance(command, Msg | Add | Join):
        assert ids or isinstance(command, Msg | Add)  # /msg and /add take names too
