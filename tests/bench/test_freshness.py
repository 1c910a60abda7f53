"""bench/freshness.py runs end to end on a tiny size and prints its last line (no timing is asserted)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "freshness.py"
LINE = (r"freshness: rate_eps=\d+ bytes_p50_s=[\d.]+ bytes_p99_s=[\d.]+ busy_rate_eps=\d+ busy_bytes_p99_s=[\d.]+ "
        r"lake_p99_s=[\d.]+ spark_bytes_p99_s=none vs_spark=none exact=(yes|no)")


@pytest.mark.integration
def test_the_freshness_benchmark_runs_on_a_tiny_load_and_prints_its_line(kafka_brokers: str, postgres_url: str) -> None:
    env = os.environ | {"KAFKA_BROKERS": kafka_brokers, "DATABASE_URL": postgres_url}
    done = subprocess.run([sys.executable, str(SCRIPT), "--seconds", "2", "--max-events", "20000", "--no-spark",
                           "--lake-flush-seconds", "1", "--idle-timeout", "60", "--deadline", "300"],
                          capture_output=True, text=True, timeout=420, env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    last = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(LINE, last), last
    assert last.endswith("exact=yes"), done.stdout[-3000:]


@pytest.mark.integration
def test_given_a_maximum_the_freshness_benchmark_measures_none_and_asks_shares_of_it(kafka_brokers: str,
                                                                                      postgres_url: str) -> None:
    env = os.environ | {"KAFKA_BROKERS": kafka_brokers, "DATABASE_URL": postgres_url}
    done = subprocess.run([sys.executable, str(SCRIPT), "--seconds", "2", "--maximum", "3000", "--no-spark",
                           "--lake-flush-seconds", "1", "--idle-timeout", "60", "--deadline", "300"],
                          capture_output=True, text=True, timeout=420, env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "3,000 events/s, as given" in done.stdout and "beside the load producer" not in done.stdout, done.stdout
    last = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(LINE, last), last
    assert " rate_eps=1500 " in last and " busy_rate_eps=2700 " in last and last.endswith("exact=yes"), last
