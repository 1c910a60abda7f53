"""Reconciliation and the run's log lines (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from batch.log_lines import hour_line, progress
from batch.reconcile import differences, summarize_differences
from batch.results import HourResult

BATCH = {"user_total_bytes": 100, "antenna_total_bytes": 100, "app_total_bytes": 100}


def test_equal_totals_differ_by_zero_for_every_type() -> None:
    diff = differences(BATCH, dict(BATCH))
    assert diff == {"user_total_bytes": 0, "antenna_total_bytes": 0, "app_total_bytes": 0}
    assert summarize_differences(diff) == "speed layer matches"


def test_the_difference_is_batch_minus_speed_and_a_missing_type_counts_as_zero() -> None:
    diff = differences(BATCH, {"user_total_bytes": 90, "antenna_total_bytes": 130})
    assert diff == {"user_total_bytes": 10, "antenna_total_bytes": -30, "app_total_bytes": 100}
    assert summarize_differences(diff) == ("speed layer differs: user_total_bytes=+10 antenna_total_bytes=-30 "
                              "app_total_bytes=+100")


def test_an_hour_line_names_the_counts_and_the_reconciliation() -> None:
    result = HourResult(datetime(2022, 10, 29, 13, tzinfo=UTC), written=True, files=2, events=9,
                        unknown_user_events=1, bytes_hourly_rows=5, quota_rows=1,
                        differences=differences(BATCH, BATCH))
    line = hour_line(result, "lake", 0.5)
    assert line.startswith("2022-10-29T13:00Z: 2 file(s), 9 events (1 of ids not in user_metadata)")
    assert "1 user(s) over quota; speed layer matches" in line


def test_an_hour_without_data_says_so() -> None:
    line = hour_line(HourResult(datetime(2022, 10, 29, 15, tzinfo=UTC), written=False), "lake", 0.0)
    assert line == "2022-10-29T15:00Z: no data (no files under lake), nothing written"


def test_the_progress_prefix_counts_hours() -> None:
    assert progress(1, 4, 0.0).startswith("[#####---------------] 1/4")
    assert progress(4, 4, 3.0).startswith("[####################] 4/4 eta 1s")
