"""Chaos: the batch job SIGKILLed mid-hour then re-run; two runs of one hour at once while a file arrives."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from common.lake import EVENT_SCHEMA

from ..helpers import query
from .oracle import FIGURES, Figures

pytestmark = [pytest.mark.integration, pytest.mark.chaos]
HOUR = datetime(2022, 10, 29, 13)
Event = tuple[int, str, str, int, str]  # (epoch microseconds, id, antenna_id, bytes, app)
TYPES = ("user_total_bytes", "antenna_total_bytes", "app_total_bytes")


def hour_events(count: int, seed: int) -> list[Event]:
    """Events of 13:00-14:00 UTC, by known users (ids 1-20) and a few unknown ones."""
    rng = random.Random(seed)
    start = int(HOUR.replace(tzinfo=UTC).timestamp()) * 1_000_000
    return [(start + rng.randrange(3_600_000_000), f"00000000-0000-0000-0000-0000000000{rng.randrange(1, 24):02d}",
             f"antenna-{rng.randrange(7)}", rng.randrange(20_000), f"APP{rng.randrange(5)}") for _ in range(count)]


def write_file(data_dir: Path, name: str, events: list[Event]) -> None:
    folder = data_dir / "events" / "year=2022" / "month=10" / "day=29" / "hour=13"
    folder.mkdir(parents=True, exist_ok=True)
    columns = list(zip(*events, strict=True))
    table = pa.table([pa.array(columns[0], pa.int64()).cast(pa.timestamp("us", "UTC")),
                      *(pa.array(c) for c in columns[1:])], schema=EVENT_SCHEMA)
    pq.write_table(table, folder / f".{name}")
    os.replace(folder / f".{name}", folder / name)  # readers never see a partial file


def oracle(url: str, events: list[Event]) -> dict[str, Any]:
    """The rows the hour must have: sums per user, antenna and app; users strictly over their quota."""
    sums: Counter[tuple[str, str]] = Counter()
    for _, user, antenna, size, app in events:
        for key, kind in zip((user, antenna, app), TYPES, strict=True):
            sums[(key, kind)] += size
    users = {i: (email, quota) for i, email, quota in query(url, "SELECT id, email, quota FROM user_metadata")}
    over = [(users[i][0], v, users[i][1], HOUR) for (i, kind), v in sums.items()
            if kind == TYPES[0] and i in users and v > users[i][1]]
    return {"bytes_hourly": sorted((HOUR, key, v, kind) for (key, kind), v in sums.items()),
            "user_quota_limit": sorted(over), "events": len(events)}


def tables(url: str) -> dict[str, Any]:
    ledger = query(url, "SELECT events FROM batch_runs WHERE hour = %s", (HOUR,))
    return {"bytes_hourly": sorted(query(url, "SELECT timestamp, id, value, type FROM bytes_hourly")),
            "user_quota_limit": sorted(query(url, "SELECT email, usage, quota, timestamp FROM user_quota_limit")),
            "events": ledger[0][0] if ledger else 0}


def batch(url: str, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "DATA_DIR": str(data_dir)}
    return subprocess.Popen([sys.executable, "-m", "batch", "--hour", "2022-10-29T13"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def count(figures: Figures, got: dict[str, Any], expected: dict[str, Any]) -> None:
    figures.events = expected["events"]
    figures.lost, figures.doubled = max(0, expected["events"] - got["events"]), max(0, got["events"] - expected["events"])
    figures.wrong_rows = len(set(got["bytes_hourly"]) ^ set(expected["bytes_hourly"]))
    figures.wrong_rows += len(set(got["user_quota_limit"]) ^ set(expected["user_quota_limit"]))


def test_a_batch_job_killed_mid_hour_then_run_again_writes_the_exact_hour(provisioned: str, tmp_path: Path) -> None:
    events = hour_events(1_000_000, seed=111)
    for n in range(4):
        write_file(tmp_path, f"part-{n}.parquet", events[n::4])
    expected, empty = oracle(provisioned, events), {"bytes_hourly": [], "user_quota_limit": [], "events": 0}
    figures = Figures("batch: SIGKILLed mid-hour 3 times, then re-run")
    rng = random.Random(112)
    for _ in range(3):
        job = batch(provisioned, tmp_path)
        while job.poll() is None and not advisory_lock_granted(provisioned):  # it holds the hour: it is reading
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.2))  # somewhere between the file listing and the COMMIT
        if job.poll() is None:
            job.kill()
            figures.disruptions += 1
        job.wait()
        figures.runs += 1
        assert tables(provisioned) in (empty, expected), "a killed run left a partial hour"
    job = batch(provisioned, tmp_path)
    assert job.wait(120) == 0, job.stderr.read() if job.stderr else ""
    figures.runs += 1
    count(figures, tables(provisioned), expected)
    FIGURES.append(figures)
    assert figures.disruptions >= 1 and figures.exact(), figures


def advisory_lock_granted(url: str) -> bool:
    return bool(query(url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = "
                           "(SELECT oid FROM pg_database WHERE datname = current_database())")[0][0])


def test_two_runs_of_one_hour_at_once_while_a_file_arrives_end_with_the_newest_files(provisioned: str,
                                                                                   tmp_path: Path) -> None:
    figures = Figures("batch: 2 runs of one hour at once, 2 rounds")
    written: list[Event] = []
    for round_ in range(2):
        first = hour_events(200_000, seed=120 + round_)
        write_file(tmp_path, f"part-{round_}-a.parquet", first)
        written += first
        jobs = [batch(provisioned, tmp_path), batch(provisioned, tmp_path)]
        deadline = time.monotonic() + 60
        while not advisory_lock_granted(provisioned):  # one run holds the hour: it may have listed already
            assert time.monotonic() < deadline, "no run took the hour's lock"
            time.sleep(0.01)
        late = hour_events(1000, seed=130 + round_)
        write_file(tmp_path, f"part-{round_}-b.parquet", late)  # arrives while the first run works
        written += late
        for job in jobs:
            assert job.wait(120) == 0, job.stderr.read() if job.stderr else ""
        figures.runs += 2
        figures.disruptions += 1
        count(figures, tables(provisioned), oracle(provisioned, written))
        assert figures.exact(), f"round {round_}: the last commit came from a stale file list: {figures}"
    FIGURES.append(figures)
