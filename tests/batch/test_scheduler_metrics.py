"""``python -m batch --schedule`` exposes its metrics (batch/metrics.py): a real scheduler, scraped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from batch.hours import floor_hour
from common import schema
from common.retry import within
from devstack.ports import free_port

from ..services import role_url
from .conftest import batch_settings
from .data import HOUR_13
from .lake import write_bytes, write_events

pytestmark = pytest.mark.integration


def samples(port: int) -> dict[tuple[str, str], float]:
    """``{(sample name, outcome label or ""): value}`` of the scheduler's /metrics."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return {(s.name, s.labels.get("outcome", "")): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def scheduler(url: str, lake_env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **lake_env, "DATABASE_URL": role_url(url, schema.BATCH_ROLE), "RETRY_MAX_SECONDS": "1",
           "BATCH_METRICS_PORT": str(port)}
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "batch", "--schedule"], env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def run_until_caught_up(url: str, lake_env: dict[str, str], tmp_path: Path) -> dict[tuple[str, str], float]:
    port, log = free_port(), tmp_path / "schedule.log"
    started = time.time()
    proc = scheduler(url, lake_env, port, log)
    try:
        assert within(lambda: "next at" in log.read_text(), 60), log.read_text()
        found = samples(port)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text()
    found[("started", "")] = started
    return found


def test_the_scheduler_reports_its_last_completed_hour_runs_by_outcome_and_last_success(
        provisioned: str, local_lake_env: dict[str, str], tmp_path: Path) -> None:
    lake = batch_settings(provisioned, local_lake_env).lake()
    for n, events in enumerate(HOUR_13):
        write_events(lake, "2022-10-29T13", f"part-{n}.parquet", events)
    found = run_until_caught_up(provisioned, local_lake_env, tmp_path)
    complete = [(floor_hour(datetime.fromtimestamp(t, UTC)) - timedelta(hours=1)).timestamp()
                for t in (found[("started", "")], time.time())]
    assert found[("batch_last_completed_hour_timestamp_seconds", "")] in complete
    assert found[("started", "")] <= found[("batch_last_success_timestamp_seconds", "")] <= time.time()
    assert found[("batch_hour_runs_total", "success")] == 1 and found[("batch_hour_runs_total", "failed")] == 0
    assert found[("batch_catch_ups_total", "success")] == 1 and found[("batch_catch_ups_total", "unavailable")] == 0


def test_a_failed_hour_is_counted_and_holds_the_last_completed_hour_back(
        provisioned: str, local_lake_env: dict[str, str], tmp_path: Path) -> None:
    lake = batch_settings(provisioned, local_lake_env).lake()
    write_events(lake, "2022-10-29T13", "part-0.parquet", HOUR_13[0])
    write_bytes(lake, "2022-10-29T14", "part-9.parquet", b"PAR1 this is not parquet")
    found = run_until_caught_up(provisioned, local_lake_env, tmp_path)
    assert found[("batch_hour_runs_total", "success")] == 1 and found[("batch_hour_runs_total", "failed")] == 1
    assert found[("batch_catch_ups_total", "partial")] == 1 and found[("batch_catch_ups_total", "success")] == 0
    assert found[("batch_last_completed_hour_timestamp_seconds", "")] == 0
    assert found[("batch_last_success_timestamp_seconds", "")] == 0
