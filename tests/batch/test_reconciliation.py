"""Reconciliation against the speed layer's 5-minute rows in ``bytes`` (real PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

import psycopg
import pytest

from batch.hours import parse_hour
from batch.run import run
from batch.settings import BatchSettings
from common.lake_store import LakeStore

from ..helpers import query
from .data import A0, A1, BYTES_13, HOUR_13
from .lake import write_events

pytestmark = pytest.mark.integration
@pytest.fixture
def lake_env(local_lake_env: dict[str, str]) -> dict[str, str]:
    """Reconciliation does not depend on where the lake is: a local one only."""
    return local_lake_env


DIFFS = "SELECT user_total_bytes_diff, antenna_total_bytes_diff, app_total_bytes_diff FROM batch_runs"


def speed_rows_for_hour_13() -> list[tuple[datetime, str, int, str]]:
    """The batch totals of 13:00 split over two 5-minute windows, as the speed layer would have them."""
    rows = []
    for _, key, value, kind in BYTES_13:
        first = value // 3
        rows += [(datetime(2022, 10, 29, 13, 0), key, first, kind),
                 (datetime(2022, 10, 29, 13, 55), key, value - first, kind)]
    return [*rows, (datetime(2022, 10, 29, 14, 0), A0, 999, "antenna_total_bytes"),  # other hours: ignored
            (datetime(2022, 10, 29, 12, 55), A1, 999, "antenna_total_bytes")]


def insert_bytes(url: str, rows: list[tuple[datetime, str, int, str]]) -> None:
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO bytes (timestamp, id, value, type) VALUES (%s, %s, %s, %s)", rows)


def write_hour_13(lake: LakeStore) -> None:
    for n, events in enumerate(HOUR_13):
        write_events(lake, "2022-10-29T13", f"part-{n}.parquet", events)


def test_matching_speed_rows_record_a_zero_difference(settings: BatchSettings, lake: LakeStore, provisioned: str) -> None:
    url = settings.database_url.get_secret_value()
    write_hour_13(lake)
    insert_bytes(provisioned, speed_rows_for_hour_13())
    run(settings, [parse_hour("2022-10-29T13")])
    assert query(url, DIFFS) == [(0, 0, 0)]


def test_missing_and_extra_speed_bytes_are_recorded_exactly_per_type(settings: BatchSettings, lake: LakeStore,
                                                                       provisioned: str) -> None:
    url = settings.database_url.get_secret_value()
    write_hour_13(lake)
    rows = speed_rows_for_hour_13()
    late_window = [r for r in rows if r[0].minute == 55 and r[3] == "user_total_bytes"]
    rows = [r for r in rows if r not in late_window]
    rows = [(t, k, v + 5 if k == "SKYPE" else v, kind) for t, k, v, kind in rows]
    insert_bytes(provisioned, rows)
    run(settings, [parse_hour("2022-10-29T13")])
    missed = sum(r[2] for r in late_window)
    assert query(url, DIFFS) == [(missed, 0, -10)]


def test_an_hour_the_speed_layer_never_saw_differs_by_all_its_bytes(settings: BatchSettings,
                                                                      lake: LakeStore) -> None:
    url = settings.database_url.get_secret_value()
    write_hour_13(lake)
    run(settings, [parse_hour("2022-10-29T13")])
    assert query(url, DIFFS) == [(427272, 427272, 427272)]
