"""bench/batch_layer.py runs on a small size and prints its last line: one hour, and a backfill of hours."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "batch_layer.py"
pytestmark = pytest.mark.integration


def last_line(*args: str) -> str:
    done = subprocess.run([sys.executable, str(SCRIPT), *args, "--repeat", "1", "--deadline", "300"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_the_backfill_benchmark_runs_on_three_small_hours_exactly_and_prints_its_line() -> None:
    line = last_line("--range-hours", "3", "--events", "60000", "--files", "2", "--users", "200", "--antennas", "20")
    assert re.fullmatch(r"batch_range: hours=3 events=60000 batch_s=[\d.]+ duckdb_s=[\d.]+ vs_duckdb=[\d.]+ "
                        r"rss_mb=\d+ exact=yes", line), line
