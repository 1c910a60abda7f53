"""Two runs of one hour: the hour's lock covers the file listing, so the last commit is never stale."""

from __future__ import annotations

import threading

import psycopg
import pytest

from batch.hours import parse_hour
from batch.run import run
from batch.settings import BatchSettings
from batch.store import HOUR_LOCK
from common.lake_store import LakeStore
from common.retry import within

from ..helpers import query
from .data import BYTES_13, HOUR_13
from .lake import write_events

pytestmark = pytest.mark.integration
HOUR = parse_hour("2022-10-29T13")


def waiting_for_advisory_lock(url: str) -> bool:
    return bool(query(url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")[0][0])


def test_a_run_that_waits_for_the_hour_lists_its_files_only_once_it_holds_the_lock(
        settings: BatchSettings, lake: LakeStore) -> None:
    url = settings.database_url.get_secret_value()
    write_events(lake, "2022-10-29T13", "part-0.parquet", HOUR_13[0])
    failures: list[BaseException] = []

    def batch() -> None:
        try:
            run(settings, [HOUR])
        except BaseException as e:  # noqa: BLE001 - handed to the test thread
            failures.append(e)

    with psycopg.connect(url, autocommit=True) as other_run:  # another run of the hour holds its lock
        other_run.execute("SELECT pg_advisory_lock(%s, %s)", (HOUR_LOCK, int(HOUR.timestamp()) // 3600))
        thread = threading.Thread(target=batch)
        thread.start()
        assert within(lambda: waiting_for_advisory_lock(url) or not thread.is_alive(), 30, interval=0.05) \
            and thread.is_alive(), "the run never waited for the hour's lock"
        write_events(lake, "2022-10-29T13", "part-1.parquet", HOUR_13[1])  # written while it waits
    thread.join(60)
    assert not failures and not thread.is_alive()
    assert sorted(query(url, "SELECT timestamp, id, value, type FROM bytes_hourly")) == BYTES_13
