"""Speed-layer benchmark: the processor against three baselines, same broker, same data, one run.

    python bench/speed.py --events 2000000 [--repeat 3] [--idiomatic-events 100000]

Produces N events with the simulator's load mode (10k users, 500 antennas, 10 apps, one hour,
time-ordered) to a 4-partition topic, then times each consumer as a fresh process, from spawn to
exit, reading the whole topic with a new consumer group:
(a) bare confluent-kafka + orjson, (b) a Quix app that only deserializes, (c) the idiomatic Quix
pipeline (group_by x3 + tumbling window sums + PostgreSQL sink; fewer events), (d) python -m
processor until every total is committed and every event is in the lake (then SIGTERM: the exit
includes the final publish). Results are checked (sums, lake row count). Medians of --repeat runs.
Uses KAFKA_BROKERS / DATABASE_URL if set, otherwise starts its own broker and PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import pyarrow.dataset as ds  # noqa: E402

from common.kafka import ensure_topic  # noqa: E402
from provision.run import run as provision  # noqa: E402
from provision.settings import ProvisionSettings  # noqa: E402
from simulator.run import run_load  # noqa: E402
from simulator.settings import LoadOptions, SimulatorSettings  # noqa: E402
from tests.helpers import query  # noqa: E402
from tests.services import create_database, drop_database, kafka_service, postgres_service, unique  # noqa: E402

PARTITIONS = 4


def produce(brokers: str, topic: str, events: int) -> None:
    ensure_topic(brokers, topic, PARTITIONS)
    stats = run_load(SimulatorSettings(kafka_brokers=brokers, kafka_topic=topic, partitions=PARTITIONS),
                     LoadOptions(events, None, 10_000, 500, 10, datetime(2022, 10, 29, 13, tzinfo=UTC), 1.0))
    print(f"  produced {stats.sent:,} events at {stats.rate:,.0f}/s", flush=True)


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def baseline(kind: str, brokers: str, topic: str, events: int, url: str | None = None) -> float:
    cmd = [sys.executable, str(ROOT / "bench" / "baselines.py"), kind, "--brokers", brokers,
           "--topic", topic, "--events", str(events)] + (["--database-url", url] if url else [])
    return timed(cmd)


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def processor(brokers: str, topic: str, events: int, server_url: str) -> tuple[float, float]:
    """Seconds from spawn to exit, and peak RSS (MB), of one processor run; results verified."""
    url = create_database(server_url)
    provision(ProvisionSettings(database_url=url), say=lambda _: None)
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "KAFKA_BROKERS": brokers, "KAFKA_TOPIC": topic, "DATABASE_URL": url,
               "DATA_DIR": data, "CONSUMER_GROUP": unique("bench"), "KAFKA_DLQ_TOPIC": topic + "-dlq",
               "METRICS_PORT": "0", "LOG_LEVEL": "WARNING"}
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "processor"], env=env, cwd=ROOT)
        rss = 0.0
        with psycopg.connect(url, autocommit=True) as conn:
            while conn.execute("SELECT coalesce(sum(next_offset), 0) FROM processor_offsets").fetchone()[0] < events:  # type: ignore[index]
                rss = max(rss, peak_rss_mb(proc.pid))
                if proc.poll() is not None:
                    raise SystemExit(f"processor exited early with {proc.returncode}")
                time.sleep(0.2)
        proc.terminate()
        while proc.poll() is None:
            rss = max(rss, peak_rss_mb(proc.pid))
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        assert proc.returncode == 0, f"processor exit code {proc.returncode}"
        sums = query(url, "SELECT type, sum(value) FROM bytes GROUP BY type")
        assert len({s for _, s in sums}) == 1 and len(sums) == 3, f"totals disagree: {sums}"
        rows = ds.dataset(Path(data) / "events", partitioning="hive").count_rows()
        assert rows == events, f"lake has {rows} rows, expected {events}"
    drop_database(url)
    return seconds, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--idiomatic-events", type=int, default=None, help="default: events / 20")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the services we started on the way out
    small = args.idiomatic_events or max(args.events // 20, 1000)
    print(f"speed benchmark: {args.events:,} events, {args.repeat} repeats; idiomatic Quix on {small:,}; "
          f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}", flush=True)
    with kafka_service() as (brokers, _), postgres_service() as (server_url, _):
        topic, small_topic = unique("bench"), unique("bench_small")
        produce(brokers, topic, args.events)
        produce(brokers, small_topic, small)
        runs: dict[str, list[float]] = {"bare": [], "floor": [], "processor": []}
        rss: list[float] = []
        for r in range(args.repeat):
            runs["bare"].append(baseline("bare", brokers, topic, args.events))
            runs["floor"].append(baseline("quix-floor", brokers, topic, args.events))
            seconds, peak = processor(brokers, topic, args.events, server_url)
            runs["processor"].append(seconds)
            rss.append(peak)
            laps = ", ".join(f"{k} {v[-1]:.2f}s" for k, v in runs.items())
            print(f"  run {r + 1}: {laps}, rss {peak:.0f} MB", flush=True)
        url = create_database(server_url)
        provision(ProvisionSettings(database_url=url), say=lambda _: None)
        quix_seconds = baseline("quix-idiomatic", brokers, small_topic, small, url)
        drop_database(url)
    eps = {k: args.events / statistics.median(v) for k, v in runs.items()}
    quix_eps = small / quix_seconds
    print(f"  medians: bare {statistics.median(runs['bare']):.2f}s, quix floor {statistics.median(runs['floor']):.2f}s, "
          f"processor {statistics.median(runs['processor']):.2f}s; idiomatic quix {quix_seconds:.2f}s for {small:,}")
    print(f"command: python bench/speed.py --events {args.events} --repeat {args.repeat}"
          + (f" --idiomatic-events {args.idiomatic_events}" if args.idiomatic_events else ""))
    print(f"speed: processor_eps={eps['processor']:.0f} bare_eps={eps['bare']:.0f} floor_eps={eps['floor']:.0f} "
          f"quix_eps={quix_eps:.0f} vs_floor={eps['processor'] / eps['floor']:.2f} "
          f"vs_quix={eps['processor'] / quix_eps:.2f} vs_bare={eps['processor'] / eps['bare']:.2f} "
          f"rss_mb={max(rss):.0f}")


if __name__ == "__main__":
    main()
