"""The freshness benchmark's arithmetic: how many probes a run sends, and its percentiles."""

from __future__ import annotations

import pytest

from bench.support.probe_load import Probe, probe_count
from bench.support.probe_watch import latency


def probes(n: int) -> list[Probe]:
    return [Probe(f"probe-{k:06d}", 0, 100.0 + k) for k in range(n)]


def test_a_run_sends_one_probe_per_interval_started_before_its_end() -> None:
    assert [probe_count(60, 0.1), probe_count(3, 0.1), probe_count(1, 0.3), probe_count(0, 0.1)] == [600, 30, 4, 1]


def test_percentiles_are_nearest_rank_over_every_probe() -> None:
    sent = probes(100)
    seen = {p.id: p.sent + (k + 1) / 100 for k, p in enumerate(sent)}  # 0.01 s ... 1.00 s
    found = latency(sent, seen, ended=1e9)
    assert (found.p50, found.p99, found.max, found.probes, found.unseen) == pytest.approx((0.50, 0.99, 1.00, 100, 0))


def test_a_probe_never_seen_counts_with_its_age_when_the_watch_ended() -> None:
    sent = probes(2)
    found = latency(sent, {sent[0].id: sent[0].sent + 0.5}, ended=sent[1].sent + 30.0)
    assert (found.max, found.unseen) == (30.0, 1)
    assert "1 never seen" in str(found)


def test_no_probes_is_an_error_not_a_zero() -> None:
    with pytest.raises(ValueError):
        latency([], {}, ended=0.0)
