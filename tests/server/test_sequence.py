"""SentSequence: numbers sent once each, the floor rising only over numbers without gaps."""

from chatapp.server.sequence import SentSequence


def test_in_order_numbers_raise_the_floor() -> None:
    sent = SentSequence()
    assert [sent.add(n) for n in (1, 2, 3)] == [True, True, True]
    assert sent.floor == 3
    assert not sent.add(2)


def test_a_gap_holds_the_floor_until_it_is_filled() -> None:
    sent = SentSequence(floor=4)
    assert sent.add(7) and sent.add(6)
    assert sent.floor == 4
    assert not sent.add(7)
    assert sent.add(5)
    assert sent.floor == 7
    assert not sent.add(6)
    assert sent.add(8) and sent.floor == 8


def test_restart_forgets_what_was_above_the_floor() -> None:
    sent = SentSequence()
    sent.add(3)
    sent.restart(10)
    assert sent.floor == 10
    assert not sent.add(3)
    assert sent.add(12) and sent.add(11)
    assert sent.floor == 12
