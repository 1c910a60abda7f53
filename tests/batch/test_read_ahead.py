"""A range processes two hours at once on two sessions, each under its own hour's lock."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from batch.hours import parse_hour
from batch.run import run
from batch.settings import BatchSettings
from batch.store import lock_key
from common.lake_store import LakeStore

from ..helpers import query
from .data import BYTES_13, BYTES_14, HOUR_13, HOUR_14
from .lake import write_events
from .test_hour_lock import waiting_for_advisory_lock

pytestmark = pytest.mark.integration
HOURS = [parse_hour("2022-10-29T13"), parse_hour("2022-10-29T14")]


def written(url: str) -> list[tuple[object, ...]]:
    return sorted(query(url, "SELECT timestamp, id, value, type FROM bytes_hourly"))


def test_a_range_waits_for_an_hour_another_run_holds_and_lists_its_files_once_the_lock_is_free_meanwhile_writing_the_others(
        settings: BatchSettings, lake: LakeStore) -> None:
    url = settings.database_url.get_secret_value()
    for n, events in enumerate(HOUR_13):
        write_events(lake, "2022-10-29T13", f"part-{n}.parquet", events)
    failures: list[BaseException] = []

    def batch() -> None:
        try:
            run(settings, HOURS)
        except BaseException as e:  # noqa: BLE001 - handed to the test thread
            failures.append(e)

    with psycopg.connect(url, autocommit=True) as other_run:  # another run holds the range's second hour
        other_run.execute("SELECT pg_advisory_lock(%s, %s)", lock_key(HOURS[1]))
        thread = threading.Thread(target=batch)
        thread.start()
        deadline = time.monotonic() + 30
        while not (waiting_for_advisory_lock(url) and written(url) == BYTES_13):  # the first hour goes on
            assert time.monotonic() < deadline and thread.is_alive(), "the range never waited for its second hour"
            time.sleep(0.05)
        write_events(lake, "2022-10-29T14", "part-0.parquet", HOUR_14[0])  # written while it waits
    thread.join(60)
    assert not failures and not thread.is_alive()
    assert written(url) == sorted(BYTES_13 + BYTES_14)

