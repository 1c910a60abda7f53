"""``python -m batch --schedule`` as a process on the real PostgreSQL: closed hours, an outage, SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from batch.schedule import catch_up_until_stopped
from common import schema
from common.lake_store import LakeStore
from common.retry import within
from devstack.postgres import PostgresCluster

from ..helpers import query
from ..services import role_url
from .conftest import batch_settings
from .data import HOUR_13, HOUR_14
from .lake import write_events

pytestmark = pytest.mark.integration


def start(url: str, lake_env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **lake_env, "DATABASE_URL": url, "RETRY_MAX_SECONDS": "1"}
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "batch", "--schedule"], env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def hours_done(url: str) -> list[str]:
    return [r[0] for r in query(url, "SELECT to_char(hour, 'HH24') FROM batch_runs ORDER BY hour")]


def stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(30)


def test_the_scheduler_processes_the_closed_hours_then_waits_and_stops_on_sigterm_with_exit_0(
        provisioned: str, lake: LakeStore, lake_env: dict[str, str], tmp_path: Path) -> None:
    for n, events in enumerate(HOUR_13):
        write_events(lake, "2022-10-29T13", f"part-{n}.parquet", events)
    write_events(lake, "2022-10-29T14", "part-0.parquet", HOUR_14[0])
    log = tmp_path / "schedule.log"
    proc = start(provisioned, lake_env, log)
    try:
        assert within(lambda: hours_done(provisioned) == ["13", "14"], 60), log.read_text()
        assert within(lambda: "next at" in log.read_text(), 10), log.read_text()
        assert proc.poll() is None, "the scheduler must keep running after its catch-up"
    finally:
        code = stop(proc)
    text = log.read_text()
    assert code == 0, text
    assert "2022-10-29T13:00Z, 2022-10-29T14:00Z; next at" in text
    assert "Scheduler stopped" in text and "Traceback" not in text


def test_the_scheduler_waits_out_a_postgres_outage_and_then_catches_up(
        provisioned: str, local_lake_env: dict[str, str], tmp_path: Path,
        postgres: tuple[str, PostgresCluster | None]) -> None:
    cluster = postgres[1]
    if cluster is None:
        pytest.skip("PostgreSQL is external (DATABASE_URL): the test cannot stop it")
    write_events(batch_settings(provisioned, local_lake_env).lake(), "2022-10-29T14", "part-0.parquet", HOUR_14[0])
    log = tmp_path / "schedule.log"
    cluster.stop("immediate")
    try:
        proc = start(provisioned, local_lake_env, log)
        assert within(lambda: log.read_text().count("retrying in") >= 2, 30), log.read_text()
        assert proc.poll() is None, f"the scheduler died during the outage: {log.read_text()}"
    finally:
        cluster.start()
    try:
        assert within(lambda: hours_done(provisioned) == ["14"], 60), log.read_text()
    finally:
        code = stop(proc)
    assert code == 0, log.read_text()


def test_a_bad_hour_is_reported_once_and_tried_again_only_when_its_files_change(
        provisioned: str, local_lake_env: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    settings = batch_settings(role_url(provisioned, schema.BATCH_ROLE), local_lake_env)
    lake = settings.lake()
    bad = write_events(lake, "2022-10-29T13", "part-0.parquet", [("2022-10-29T13:00:00", "x" * 300, "a", 1, "X")])
    write_events(lake, "2022-10-29T14", "part-0.parquet", HOUR_14[0])
    catch_up = catch_up_until_stopped(settings, threading.Event())
    now = datetime(2022, 10, 30, tzinfo=UTC)
    with caplog.at_level(logging.INFO, "batch"):
        assert catch_up(now) == [datetime(2022, 10, 29, 14, tzinfo=UTC)]
        assert catch_up(now) == []  # the same files: not read again
    named = [r for r in caplog.records if bad in r.getMessage()]
    assert len(named) == 1 and named[0].levelno == logging.ERROR, caplog.text
    assert "2022-10-29T13:00Z" in caplog.records[-1].getMessage(), "a skipped bad hour is never silent"
    write_events(lake, "2022-10-29T13", "part-0.parquet", [("2022-10-29T13:00:00", "x" * 256, "a", 1, "X")])
    assert catch_up(now) == [datetime(2022, 10, 29, 13, tzinfo=UTC)]
    assert hours_done(provisioned) == ["13", "14"]
