"""Speed-layer benchmark: the processor against three baselines, same broker, same data, one run.

    python bench/speed.py --events 2000000 [--repeat 3] [--idiomatic-events 100000] [--processor-only]

Produces N events with the simulator's load mode (10k users, 500 antennas, 10 apps, one hour,
time-ordered) to a 4-partition topic, then times each consumer as a fresh process, from spawn to
exit, reading the whole topic with a new consumer group:
(a) bare confluent-kafka + orjson, (b) a Quix app that only deserializes, (c) the idiomatic Quix
pipeline (group_by x3 + tumbling window sums + PostgreSQL sink; fewer events), (d) python -m
processor until every total is committed and every event is in the lake (then SIGTERM: the exit
includes the final publish). Results are checked (sums, lake row count). Medians of --repeat runs. --processor-only runs (d) alone
(an A/B of the processor's settings under farm-bench: ``COMMIT_MIN_INTERVAL=0.2 farm-bench --vs ...``),
its last line ``speed_processor: processor_eps=.. processor_s=.. rss_mb=..``.
Uses KAFKA_BROKERS / DATABASE_URL if set, otherwise starts its own broker and PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyarrow.dataset as ds  # noqa: E402

from bench.support.roles import provision_with_roles  # noqa: E402
from bench.support.systems import baseline, ours_streaming  # noqa: E402
from bench.support.tables import rows  # noqa: E402
from bench.support.watch import Limits, Stalled  # noqa: E402
from common.kafka import ensure_topic  # noqa: E402
from devstack.services import create_database, drop_database, kafka_service, postgres_service, unique  # noqa: E402
from simulator.run import run_load  # noqa: E402
from simulator.settings import LoadOptions, SimulatorSettings  # noqa: E402

PARTITIONS = 4


def produce(brokers: str, topic: str, events: int) -> None:
    ensure_topic(brokers, topic, PARTITIONS)
    stats = run_load(SimulatorSettings(kafka_brokers=brokers, kafka_topic=topic, partitions=PARTITIONS),
                     LoadOptions(events, None, 10_000, 500, 10, datetime(2022, 10, 29, 13, tzinfo=UTC), 1.0))
    print(f"  produced {stats.sent:,} events at {stats.rate:,.0f}/s", flush=True)


def processor(brokers: str, topic: str, events: int, server_url: str, limits: Limits) -> tuple[float, float]:
    """Seconds from spawn to exit, and peak RSS (MB), of one processor run; results verified."""
    url = create_database(server_url)
    provision_with_roles(url)
    with tempfile.TemporaryDirectory() as data:
        run = ours_streaming(brokers, topic, url, Path(data), events, limits)
        sums = rows(url, "SELECT type, sum(value) FROM bytes GROUP BY type")
        assert len({s for _, s in sums}) == 1 and len(sums) == 3, f"totals disagree: {sums}"
        lake = ds.dataset(Path(data) / "events", partitioning="hive").count_rows()
        assert lake == events, f"lake has {lake} rows, expected {events}"
    drop_database(url)
    return run.seconds, run.rss_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--idiomatic-events", type=int, default=None, help="default: events / 20")
    parser.add_argument("--idle-timeout", type=float, default=120.0,
                        help="seconds a consumer may go without counting a message before the run fails")
    parser.add_argument("--processor-only", action="store_true", help="time the processor alone (no baselines)")
    parser.add_argument("--deadline", type=float, default=1800.0, help="seconds one consumer run may take in all")
    args = parser.parse_args()
    limits = Limits(args.idle_timeout, args.deadline)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the services we started on the way out
    small = args.idiomatic_events or max(args.events // 20, 1000)
    print(f"speed benchmark: {args.events:,} events, {args.repeat} repeats; idiomatic Quix on {small:,}; "
          f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}", flush=True)
    try:
        if args.processor_only:
            return processor_only(args, limits)
        runs, rss, quix_seconds, small = measure(args, limits, small)
    except Stalled as e:
        raise SystemExit(f"speed: {e}") from None
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


def measure(args: argparse.Namespace, limits: Limits, small: int) -> tuple[dict[str, list[float]], list[float], float, int]:
    """Every run of every consumer, on one broker and one PostgreSQL started here."""
    with kafka_service() as (brokers, _), postgres_service() as (server_url, _):
        topic, small_topic = unique("bench"), unique("bench_small")
        produce(brokers, topic, args.events)
        produce(brokers, small_topic, small)
        runs: dict[str, list[float]] = {"bare": [], "floor": [], "processor": []}
        rss: list[float] = []
        for r in range(args.repeat):
            runs["bare"].append(baseline("bare", brokers, topic, args.events, limits))
            runs["floor"].append(baseline("quix-floor", brokers, topic, args.events, limits))
            seconds, peak = processor(brokers, topic, args.events, server_url, limits)
            runs["processor"].append(seconds)
            rss.append(peak)
            laps = ", ".join(f"{k} {v[-1]:.2f}s" for k, v in runs.items())
            print(f"  run {r + 1}: {laps}, rss {peak:.0f} MB", flush=True)
        url = create_database(server_url)
        provision_with_roles(url)
        quix_seconds = baseline("quix-idiomatic", brokers, small_topic, small, limits, url)
        drop_database(url)
    return runs, rss, quix_seconds, small


def processor_only(args: argparse.Namespace, limits: Limits) -> None:
    """Only the processor's runs (d), with the settings of this process's environment."""
    with kafka_service() as (brokers, _), postgres_service() as (server_url, _):
        topic = unique("bench")
        produce(brokers, topic, args.events)
        runs = [processor(brokers, topic, args.events, server_url, limits) for _ in range(args.repeat)]
    seconds = statistics.median(s for s, _ in runs)
    print(f"  processor runs: {', '.join(f'{s:.2f}s' for s, _ in runs)} (COMMIT_MIN_INTERVAL="
          f"{os.environ.get('COMMIT_MIN_INTERVAL', 'default')})")
    print(f"speed_processor: processor_eps={args.events / seconds:.0f} processor_s={seconds:.2f} "
          f"rss_mb={max(r for _, r in runs):.0f}")


if __name__ == "__main__":
    main()
