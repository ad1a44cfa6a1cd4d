"""The frame splitter: any split or merge of frames across reads gives the same frames."""

from hypothesis import given
from hypothesis import strategies as st

from chatapp.protocol import FrameSplitter

FRAMES = [b'{"msgid":1,"id":13,"password":"123456"}', b'{"msgid":6,"toid":2,"msg":"hi"}']
STREAM = FRAMES[0] + b"\0" + FRAMES[1] + b"\n"


def feed_all(chunks: list[bytes], max_frame: int = 1024) -> list[bytes]:
    splitter = FrameSplitter(max_frame)
    out: list[bytes] = []
    for chunk in chunks:
        out.extend(splitter.feed(chunk))
    return out


def test_nul_and_newline_both_end_frames() -> None:
    assert feed_all([STREAM]) == FRAMES


def test_every_single_split_point() -> None:
    for cut in range(len(STREAM) + 1):
        assert feed_all([STREAM[:cut], STREAM[cut:]]) == FRAMES, cut


def test_every_pair_of_split_points() -> None:
    for first in range(len(STREAM) + 1):
        for second in range(first, len(STREAM) + 1):
            chunks = [STREAM[:first], STREAM[first:second], STREAM[second:]]
            assert feed_all(chunks) == FRAMES, (first, second)


def test_byte_by_byte() -> None:
    assert feed_all([bytes([b]) for b in STREAM]) == FRAMES


@given(st.lists(st.integers(min_value=0, max_value=len(STREAM) * 3), max_size=8))
def test_arbitrary_chunking_of_repeated_stream(cuts: list[int]) -> None:
    stream = STREAM * 3
    points = sorted(set(cuts))
    chunks = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]
    assert feed_all(chunks) == FRAMES * 3


def test_blank_frames_are_skipped() -> None:
    # The original client's NUL may be followed by a newline; CRLF and spaces are blank too.
    assert feed_all([b"\0\n\r\n  \n" + FRAMES[0] + b"\0\n"]) == [FRAMES[0]]


def test_unfinished_tail_is_held() -> None:
    splitter = FrameSplitter()
    assert splitter.feed(b'{"msgid":') == []
    assert splitter.pending == len(b'{"msgid":')
    assert splitter.feed(b"14}\n") == [b'{"msgid":14}']
    assert splitter.pending == 0


def test_frame_at_the_limit_passes() -> None:
    frame = b"x" * 100
    assert feed_all([frame + b"\n"], max_frame=100) == [frame]


def test_complete_frame_over_the_limit_overflows_after_earlier_frames() -> None:
    splitter = FrameSplitter(max_frame=100)
    assert splitter.feed(b"ok\n" + b"x" * 101 + b"\nlater\n") == [b"ok"]
    assert splitter.overflowed
    assert splitter.feed(b"more\n") == []


def test_unfinished_frame_over_the_limit_overflows_without_waiting_for_its_end() -> None:
    splitter = FrameSplitter(max_frame=100)
    splitter.feed(b"x" * 60)
    assert not splitter.overflowed
    splitter.feed(b"x" * 60)
    assert splitter.overflowed
    assert splitter.pending == 0
