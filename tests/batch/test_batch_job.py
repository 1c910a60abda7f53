"""The batch job on a real PostgreSQL and real Parquet files: exact tables, re-runs, ranges, catch-up."""

from __future__ import annotations

from typing import Any

import psycopg
import pyarrow as pa
import pytest

from batch.hours import parse_hour
from batch.run import catch_up_hours, run
from batch.settings import BatchSettings
from common import schema
from common.errors import ConfigError, LakeError
from common.lake_store import LakeStore

from ..helpers import query
from ..services import provision_database, role_url
from .conftest import batch_settings, both_lakes
from .data import A0, BYTES_13, BYTES_14, HOUR_13, HOUR_14, LATE_13, QUOTA_13, QUOTA_14, T13, U2
from .lake import events_table, write_bytes, write_events, write_table

pytestmark = pytest.mark.integration

LEDGER = ("SELECT hour, fingerprint, files, events, unknown_user_events, bytes_hourly_rows, quota_rows, "
          "batch_bytes, user_total_bytes_diff, antenna_total_bytes_diff, app_total_bytes_diff "
          "FROM batch_runs ORDER BY hour")


def write_hours(lake: LakeStore) -> None:
    for n, events in enumerate(HOUR_13):
        write_events(lake, "2022-10-29T13", f"part-{n}.parquet", events)
    write_events(lake, "2022-10-29T14", "part-0.parquet", HOUR_14[0])


def tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    return {"bytes_hourly": sorted(query(url, "SELECT timestamp, id, value, type FROM bytes_hourly")),
            "user_quota_limit": sorted(query(url, "SELECT email, usage, quota, timestamp FROM user_quota_limit")),
            "batch_runs": query(url, LEDGER)}


def hours(*texts: str) -> list:
    return [parse_hour(t) for t in texts]


@both_lakes
def test_two_hours_of_known_events_give_exact_bytes_hourly_and_quota_rows(settings: BatchSettings,
                                                                        lake: LakeStore) -> None:
    write_hours(lake)
    run(settings, hours("2022-10-29T13", "2022-10-29T14"))
    got = tables(settings.database_url.get_secret_value())
    assert got["bytes_hourly"] == sorted(BYTES_13 + BYTES_14)
    assert got["user_quota_limit"] == sorted(QUOTA_13 + QUOTA_14)


def test_the_ledger_counts_events_files_rows_and_ids_missing_from_user_metadata(
        settings: BatchSettings, lake: LakeStore) -> None:
    write_hours(lake)
    run(settings, hours("2022-10-29T13"))
    [row] = tables(settings.database_url.get_secret_value())["batch_runs"]
    assert row[0] == T13 and len(row[1]) == 32
    assert row[2:8] == (2, 8, 2, len(BYTES_13), 2, 427272)


def test_running_an_hour_again_changes_nothing(settings: BatchSettings, lake: LakeStore) -> None:
    write_hours(lake)
    run(settings, hours("2022-10-29T13", "2022-10-29T14"))
    before = tables(settings.database_url.get_secret_value())
    run(settings, hours("2022-10-29T13", "2022-10-29T14"))
    run(settings, hours("2022-10-29T13"))
    assert tables(settings.database_url.get_secret_value()) == before


def test_a_range_run_equals_hour_by_hour_runs(settings: BatchSettings, lake: LakeStore,
                                              lake_env: dict[str, str], new_database: Any) -> None:
    write_hours(lake)
    run(settings, hours("2022-10-29T12", "2022-10-29T13", "2022-10-29T14", "2022-10-29T15"))
    owner = new_database()
    provision_database(owner)
    other = batch_settings(role_url(owner, schema.BATCH_ROLE), lake_env)
    for hour in ("2022-10-29T15", "2022-10-29T13", "2022-10-29T12", "2022-10-29T14"):
        run(other, hours(hour))
    assert tables(other.database_url.get_secret_value()) == tables(settings.database_url.get_secret_value())


@both_lakes
def test_an_hour_without_data_writes_nothing_and_succeeds(settings: BatchSettings, lake: LakeStore) -> None:
    write_bytes(lake, "2022-10-29T16", ".part-0.parquet.tmp-1", b"still being written")
    summary = run(settings, hours("2022-10-29T15", "2022-10-29T16"))
    assert [r.written for r in summary.results] == [False, False]
    assert tables(settings.database_url.get_secret_value()) == {
        "bytes_hourly": [], "user_quota_limit": [], "batch_runs": []}


@both_lakes
def test_a_corrupt_file_fails_its_hour_only_and_names_the_file(settings: BatchSettings, lake: LakeStore) -> None:
    write_hours(lake)
    bad = write_bytes(lake, "2022-10-29T14", "part-1.parquet", b"PAR1 garbage")
    with pytest.raises(LakeError, match="1 of 2 hours failed") as failure:
        run(settings, hours("2022-10-29T13", "2022-10-29T14"))
    assert bad in str(failure.value)
    got = tables(settings.database_url.get_secret_value())
    assert got["bytes_hourly"] == BYTES_13 and [r[0] for r in got["batch_runs"]] == [T13]


def test_a_failed_rerun_keeps_the_rows_written_before(settings: BatchSettings, lake: LakeStore) -> None:
    write_hours(lake)
    run(settings, hours("2022-10-29T13"))
    before = tables(settings.database_url.get_secret_value())
    write_events(lake, "2022-10-29T13", "part-9.parquet", [("2022-10-29T12:59:59", U2, A0, 1, "SKYPE")])
    with pytest.raises(LakeError, match=r"part-9\.parquet: holds events from"):
        run(settings, hours("2022-10-29T13"))
    assert tables(settings.database_url.get_secret_value()) == before


@both_lakes
def test_catch_up_processes_new_hours_then_only_an_hour_that_received_late_events(
        settings: BatchSettings, lake: LakeStore) -> None:
    url = settings.database_url.get_secret_value()
    write_hours(lake)
    now = parse_hour("2022-10-30T00")
    assert catch_up_hours(settings, now) == hours("2022-10-29T13", "2022-10-29T14")
    run(settings, catch_up_hours(settings, now))
    assert catch_up_hours(settings, now) == []
    write_events(lake, "2022-10-29T13", "part-late.parquet", LATE_13)
    assert catch_up_hours(settings, now) == hours("2022-10-29T13")
    run(settings, catch_up_hours(settings, now))
    user2 = query(url, "SELECT value FROM bytes_hourly WHERE id = %s AND timestamp = %s", (U2, T13))
    assert user2 == [(300000,)]
    assert ("paco@gmail.com", 300000, 300000, T13) not in tables(url)["user_quota_limit"]
    assert catch_up_hours(settings, now) == []


def test_a_wrongly_typed_file_fails_its_hour_and_nothing_is_written_for_it(settings: BatchSettings,
                                                                        lake: LakeStore) -> None:
    write_hours(lake)
    table = events_table(HOUR_14[0])
    write_table(lake, "2022-10-29T14", "part-1.parquet", table.set_column(3, "bytes", table["bytes"].cast(pa.string())))
    with pytest.raises(LakeError, match="column bytes is string, expected int64"):
        run(settings, hours("2022-10-29T14"))
    assert tables(settings.database_url.get_secret_value()) == {
        "bytes_hourly": [], "user_quota_limit": [], "batch_runs": []}


def test_a_failure_inside_the_hours_transaction_leaves_its_previous_rows(settings: BatchSettings, lake: LakeStore,
                                                                      provisioned: str) -> None:
    url = settings.database_url.get_secret_value()
    write_hours(lake)
    run(settings, hours("2022-10-29T13"))
    before = tables(url)
    write_events(lake, "2022-10-29T13", "part-late.parquet", LATE_13)
    with psycopg.connect(provisioned, autocommit=True) as conn:  # the second DELETE of the hour will fail
        conn.execute("ALTER TABLE user_quota_limit RENAME TO user_quota_limit_away")
    with pytest.raises(ConfigError, match="lacks a table"):
        run(settings, hours("2022-10-29T13"))
    with psycopg.connect(provisioned, autocommit=True) as conn:
        conn.execute("ALTER TABLE user_quota_limit_away RENAME TO user_quota_limit")
    assert tables(url) == before


def test_keys_with_commas_quotes_and_line_breaks_are_written_as_they_are(settings: BatchSettings,
                                                                          lake: LakeStore) -> None:
    odd = ["a,b", 'say "hi"', "line\nbreak", " "]  # an empty key breaks the contract: test_lake_contract.py
    write_events(lake, "2022-10-29T13", "part-0.parquet",
                 [("2022-10-29T13:00:00", key, key, 10 + n, key) for n, key in enumerate(odd)])
    run(settings, hours("2022-10-29T13"))
    rows = tables(settings.database_url.get_secret_value())["bytes_hourly"]
    assert rows == sorted((T13, key, 10 + n, kind) for n, key in enumerate(odd)
                          for kind in ("antenna_total_bytes", "app_total_bytes", "user_total_bytes"))
