"""The pure core on in-memory frames: hourly sums per key, quota violations, unknown ids."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from batch.aggregate import hour_totals
from batch.key_sums import key_sums
from common.errors import LakeError

HOUR = datetime(2022, 10, 29, 13, tzinfo=UTC)
T = datetime(2022, 10, 29, 13)
USERS = pl.DataFrame({"id": ["u1", "u2", "u3"], "email": ["a@x", "b@x", "c@x"], "quota": [100, 50, 10]})


def events(*rows: tuple[str, str, int, str]) -> list[pl.DataFrame]:
    ids, antennas, sizes, apps = zip(*rows, strict=True)
    frame = pl.DataFrame({"id": ids, "antenna_id": antennas, "bytes": sizes, "app": apps})
    return key_sums(frame.to_arrow().to_batches())


EVENTS = events(("u1", "A", 60, "SKYPE"), ("u1", "B", 50, "TELEGRAM"), ("u2", "A", 50, "SKYPE"),
                ("u3", "B", 5, "SKYPE"), ("ghost", "A", 7, "TELEGRAM"), ("ghost", "B", 1, "SKYPE"))


def test_bytes_are_summed_per_user_antenna_and_app_at_the_hour_start() -> None:
    rows = hour_totals(EVENTS, USERS, HOUR).bytes_hourly
    assert rows.columns == ["timestamp", "id", "value", "type"]
    assert sorted(rows.iter_rows()) == sorted([
        (T, "A", 117, "antenna_total_bytes"), (T, "B", 56, "antenna_total_bytes"),
        (T, "SKYPE", 116, "app_total_bytes"), (T, "TELEGRAM", 57, "app_total_bytes"),
        (T, "ghost", 8, "user_total_bytes"), (T, "u1", 110, "user_total_bytes"),
        (T, "u2", 50, "user_total_bytes"), (T, "u3", 5, "user_total_bytes"),
    ])


def test_only_usage_strictly_greater_than_the_quota_is_a_violation() -> None:
    violations = hour_totals(EVENTS, USERS, HOUR).quota_violations
    assert violations.columns == ["email", "usage", "quota", "timestamp"]
    assert violations.rows() == [("a@x", 110, 100, T)]  # u2 used exactly its quota of 50


def test_events_of_ids_missing_from_user_metadata_are_counted_not_dropped() -> None:
    totals = hour_totals(EVENTS, USERS, HOUR)
    assert (totals.events, totals.unknown_user_events) == (6, 2)
    assert ("ghost", 8) in totals.bytes_hourly.filter(type="user_total_bytes").select("id", "value").rows()


def test_every_type_adds_up_to_the_bytes_of_the_hour() -> None:
    totals = hour_totals(EVENTS, USERS, HOUR)
    assert totals.total_bytes == 173
    assert totals.bytes_by_type == {"user_total_bytes": 173, "antenna_total_bytes": 173, "app_total_bytes": 173}


def test_no_events_give_no_rows_and_zero_totals() -> None:
    totals = hour_totals(key_sums([]), USERS, HOUR)
    assert (totals.bytes_hourly.height, totals.quota_violations.height, totals.events) == (0, 0, 0)
    assert set(totals.bytes_by_type.values()) == {0}


def test_an_hourly_sum_past_bigint_is_an_error_never_a_silent_wrap() -> None:
    with pytest.raises(LakeError, match="passes 9223372036854775807"):
        hour_totals(events(("u1", "A", 2**62, "SKYPE"), ("u1", "B", 2**62, "SKYPE")), USERS, HOUR)
    with pytest.raises(LakeError, match="passes 9223372036854775807"):  # across batches, in the merge
        frame = pl.DataFrame({"id": ["u1"], "antenna_id": ["A"], "bytes": [2**62], "app": ["SKYPE"]})
        hour_totals(key_sums(frame.to_arrow().to_batches() * 2), USERS, HOUR)
    fits = hour_totals(events(("u1", "A", 2**62, "SKYPE"), ("u2", "A", 2**62 - 1, "X")), USERS, HOUR)
    assert (T, "A", 2**63 - 1, "antenna_total_bytes") in fits.bytes_hourly.rows()


def test_the_bytes_of_the_hour_per_type_past_bigint_are_an_error_never_a_silent_wrap() -> None:
    # Every id, antenna and app fits BIGINT alone; the user type's total of the hour does not.
    spread = events(("u1", "A", 2**62, "SKYPE"), ("u2", "B", 2**62, "X"))
    with pytest.raises(LakeError, match=r"per .*_total_bytes pass 9223372036854775807"):
        hour_totals(spread, USERS, HOUR)
    fits = hour_totals(events(("u1", "A", 2**62, "SKYPE"), ("u2", "B", 2**62 - 1, "X")), USERS, HOUR)
    assert fits.total_bytes == 2**63 - 1 and set(fits.bytes_by_type.values()) == {2**63 - 1}
