"""Percentiles, latency summaries and per-second counts."""

from __future__ import annotations

import pytest

from chatapp.bench.stats import Latencies, Timeline, percentile, rate, summarize


def test_nearest_rank_percentiles_of_one_to_a_hundred() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 90) == 90.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile(values, 0) == 1.0


def test_a_percentile_is_a_measured_value_never_an_average() -> None:
    assert percentile([1.0, 10.0], 50) == 1.0
    assert percentile([1.0, 10.0], 51) == 10.0
    assert percentile([7.0], 99.9) == 7.0


def test_percentile_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summary_is_ordered_and_rounded() -> None:
    summary = summarize([5.0, 1.0, 3.0, 2.0, 4.0, 100.0])
    assert summary["n"] == 6
    assert summary["p50"] == 3.0
    assert summary["max"] == 100.0
    assert summary["mean"] == round(115 / 6, 3)
    ordered = [summary[k] for k in ("p50", "p90", "p99", "p999", "max")]
    assert ordered == sorted(ordered)


def test_empty_summary_has_only_a_count() -> None:
    assert summarize([]) == {"n": 0}


def test_latencies_from_nanoseconds_and_windows() -> None:
    latencies = Latencies()
    latencies.add_ns(2_000_000)
    latencies.add_ms(4.0)
    latencies.add_ns(6_000_000)
    assert len(latencies) == 3
    assert latencies.summary()["p50"] == 4.0
    assert latencies.summary_since(1) == summarize([4.0, 6.0])
    assert latencies.recent_p99(3) == "-"
    assert latencies.recent_p99(2) == "6.00"


def test_timeline_counts_growth_per_second() -> None:
    timeline = Timeline()
    for total in (10, 25, 25, 40):
        timeline.sample(total)
    assert timeline.per_second == [10, 15, 0, 15]


def test_rate() -> None:
    assert rate(10, 4.0) == 2.5
    assert rate(10, 0.0) == 0.0
