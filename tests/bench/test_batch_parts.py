"""bench/batch_parts.py keeps running against the batch job's code it measures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "batch_parts.py"


def last_line(*args: str) -> str:
    """The script's last line, run with ``args`` (it must succeed)."""
    done = subprocess.run([sys.executable, str(SCRIPT), *args, "--deadline", "300"],
                          capture_output=True, text=True, timeout=360)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_the_stage_benchmark_runs_on_a_small_file_and_prints_its_line() -> None:
    last = last_line("--rows", "300000", "--rounds", "1")
    assert re.fullmatch(r"batch_parts: ours_ns=[\d.]+ duckdb_ns=[\d.]+ read_ns=[\d.]+ sums_ns=[\d.]+ "
                        r"polars_id_ns=[\d.]+ cpu_vs_duckdb=[\d.]+", last), last


def test_the_copy_benchmark_replaces_an_hour_both_ways_on_a_real_database_and_prints_its_line() -> None:
    last = last_line("--copy-rows", "3000", "--rounds", "2")
    assert re.fullmatch(r"batch_copy: rows=3000 csv_ms=[\d.]+ binary_ms=[\d.]+ build_csv_ms=[\d.]+ "
                        r"build_binary_ms=[\d.]+ csv_over_binary=[\d.]+", last), last
