"""Freshness of the speed layer: from producing an event to seeing it counted in `bytes`, and in the lake.

    python bench/freshness.py [--seconds 60] [--max-events 2000000] [--no-spark]

In one invocation, on one broker and one PostgreSQL started here (or KAFKA_BROKERS / DATABASE_URL):
1. the processor's maximum rate: events/s from its first commit to its last while it drains a
   backlog of --max-events (load simulator events), defaults. First alone, then again beside the
   load producer (bench/support/probe_load.py sending 90 % of the first figure to a topic of its
   own): the rates below are shares of the second. The load producer is a Python process that
   needs about a core at these rates, and the processor shares the machine with it in every later
   run; a maximum measured without it is a rate the processor cannot be asked to keep up with
   (on 2 cores, 2026-12-03: 32k events/s alone, the 90 % run fell behind by 12 s at p50).
   --maximum-alone takes the first figure, as before; --maximum EPS takes EPS and measures neither (two
   versions of the code compared at the same rates: each measured maximum asks a faster version for more);
2. at 90 % of that rate (--busy-share), then at half of it, for --seconds each: ordinary load
   (bench/support/probe_load.py) with a probe every 100 ms after --warm-up seconds (5) of the load
   alone (the first seconds of a load that starts at once are a transient, not the steady state the
   targets are about: 0 measures them too), an event whose user id nothing else has; a poller on
   `bytes` notes when each probe's row appears (p50, p99, max). The processor runs
   with its defaults. At half rate it keeps running until every probe is also in a readable Parquet
   file of the lake (LAKE_FLUSH_SECONDS at its default unless --lake-flush-seconds). Each run is
   checked: `bytes` equals the exact sums of what was sent, and after SIGTERM the lake holds every
   event once;
3. the Spark original (bench/peers/spark/live_job.py: the seed's four streaming queries, append
   mode, watermark one minute) at the same half rate, same probes; the load goes on after the
   probes (append mode writes a window only when later event time arrives) until every probe is
   seen or --spark-wait seconds pass (a probe never seen counts with its age then: a lower bound).
   It runs while our half-rate run waits for the lake.
The last line: freshness: rate_eps=.. bytes_p50_s=.. bytes_p99_s=.. busy_rate_eps=.. busy_bytes_p99_s=..
lake_p99_s=.. spark_bytes_p99_s=.. vs_spark=.. exact=yes|no   (vs_spark: Spark's p99 over ours, half rate)
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.peers.spark.environment import spark_environment  # noqa: E402
from bench.support import live  # noqa: E402
from bench.support.exact import bytes_exact, lake_exact, totals  # noqa: E402
from bench.support.probe_load import Sent, expected_events, probe_count, probe_id, read_probes  # noqa: E402
from bench.support.probe_watch import BytesWatch, LakeWatch, Latency, latency  # noqa: E402
from bench.support.watch import Limits, Stalled  # noqa: E402
from common import schema  # noqa: E402
from devstack.ports import free_port  # noqa: E402
from devstack.services import kafka_service, postgres_service  # noqa: E402
from simulator.run import run_load  # noqa: E402
from simulator.settings import LoadOptions, SimulatorSettings  # noqa: E402


class OursRun:
    """Our processor on a fresh topic at one rate: probes in `bytes` now, the lake and the checks in ``finish``."""

    def __init__(self, brokers: str, server: str, rate: float, args: argparse.Namespace, limits: Limits,
                 lake: bool) -> None:
        self.args, self.limits, self.rate = args, limits, rate
        self.target = live.Target.create(brokers, server, "fresh")
        env = {"LAKE_FLUSH_SECONDS": str(args.lake_flush_seconds)} if args.lake_flush_seconds else {}
        self.metrics_port = free_port()
        self.job = live.start_processor(self.target, limits, env | {"METRICS_PORT": str(self.metrics_port)})
        ids = [probe_id(k) for k in range(probe_count(args.seconds, args.probe_every))]
        self.lake = LakeWatch(self.target.folder / "events", ids) if lake else None
        try:
            self.sent, seen = self._probe(args, limits)
        except BaseException:
            self.job.kill()
            self.target.close()
            raise
        self.bytes = latency(self.sent.probes, seen, time.time())
        self.checkpoints = live.checkpoint_times(self.metrics_port)
        if args.trace is not None:  # each probe's partition, offset, send and sight: beside PostgreSQL's log
            (args.trace / f"{'half' if lake else 'busy'}-probes.json").write_text(json.dumps(
                [p.__dict__ | {"seen": seen.get(p.id)} for p in self.sent.probes]))

    def _probe(self, args: argparse.Namespace, limits: Limits) -> tuple[Sent, dict[str, float]]:
        self.warmup = live.warm_up(self.job, self.target)
        producer, path = live.probe_load(self.target, self.rate, args.seconds, args.probe_every, limits,
                                         warm_up=args.warm_up)
        watch = BytesWatch(self.target.url, [probe_id(k) for k in range(probe_count(args.seconds, args.probe_every))])
        lake_polled = [0.0]

        def poll() -> None:
            watch.poll()
            if self.lake is not None and time.monotonic() - lake_polled[0] >= 0.5:
                self.lake.poll()
                lake_polled[0] = time.monotonic()

        try:
            live.watch_until(poll, lambda: producer.proc.poll() == 0 and not watch.pending, [self.job, producer],
                             "every probe counted in bytes", time.monotonic() + args.warm_up + args.seconds + limits.idle, 0.02)
        finally:
            watch.close()
            producer.kill()
        return read_probes(path), watch.seen

    def finish(self) -> tuple[Latency | None, bool]:
        """Wait for the lake (if watched), check `bytes`, stop (SIGTERM publishes), check the lake."""
        try:
            return self._finish()
        finally:
            self.job.kill()
            self.target.close()

    def _finish(self) -> tuple[Latency | None, bool]:
        sent, lake = self.sent, self.lake
        events = sent.count + len(sent.probes) + 1
        live.watch_until(lambda: None, lambda: self.target.offsets() >= events, [self.job], "every offset committed",
                         time.monotonic() + self.limits.idle, 0.2)
        found: Latency | None = None
        if lake is not None:
            live.watch_until(lake.poll, lambda: not lake.pending, [self.job], "every probe in the lake",
                             time.monotonic() + self.args.lake_wait, 0.5)
            found = latency(sent.probes, lake.seen, time.time())
        expected = totals(itertools.chain(expected_events(sent), [self.warmup]))
        exact = bytes_exact(self.target.url, expected)
        self.job.stop()
        total = int(expected.filter(type=schema.APP_TOTAL)["value"].sum())  # every event's bytes, once
        return found, exact and lake_exact(self.target.folder / "events", events, total)


def spark_run(brokers: str, server: str, rate: float, args: argparse.Namespace, limits: Limits) -> Latency:
    env = spark_environment()
    target = live.Target.create(brokers, server, "fresh-spark")
    job = live.start_spark(env, target, limits, args.spark_max_offsets, args.spark_memory)
    try:
        live.warm_up_spark(job, target)
        producer, path = live.probe_load(target, rate, args.seconds, args.probe_every, limits, keep_going=True,
                                         warm_up=args.warm_up)
        watch = BytesWatch(target.url, [probe_id(k) for k in range(probe_count(args.seconds, args.probe_every))])
        until = time.monotonic() + args.warm_up + args.seconds + args.spark_wait
        try:
            live.watch_until(watch.poll, lambda: not watch.pending or time.monotonic() > until, [job, producer],
                             "every probe in Spark's bytes", until + 60, 0.02)
        finally:
            ended = time.time()
            watch.close()
            producer.stop()
        return latency(read_probes(path).probes, watch.seen, ended)
    finally:
        job.kill()
        target.close()


def spark_or_none(brokers: str, server: str, rate: float, args: argparse.Namespace, limits: Limits) -> Latency | None:
    """Spark's run, or None (said in one line) if it stalled: our own runs' figures still count."""
    try:
        return spark_run(brokers, server, rate, args, limits)
    except Stalled as e:
        print(f"  spark: {e}", flush=True)
        return None


def backlog_maximum(brokers: str, server: str, args: argparse.Namespace, limits: Limits, beside: float) -> float:
    """Events/s the processor drains a backlog of --max-events at; with ``beside`` > 0 while the load
    producer sends that many events/s to a topic of its own (the CPU it takes in the later runs)."""
    target = live.Target.create(brokers, server, "fresh-max")
    side = live.Target.create(brokers, server, "fresh-side") if beside else None
    producer = None
    try:
        run_load(SimulatorSettings(kafka_brokers=brokers, kafka_topic=target.topic, partitions=live.PARTITIONS),
                 LoadOptions(args.max_events, None, 10_000, 500, 10, datetime(2022, 10, 29, 13, tzinfo=UTC), 1.0))
        if side is not None:
            producer, _ = live.probe_load(side, beside, 5, args.probe_every, limits, keep_going=True)
        return live.maximum_rate(target, args.max_events, limits, {})
    finally:
        if producer is not None:
            producer.kill()
        for t in (target, side):
            if t is not None:
                t.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=int, default=60, help="seconds of probes at each rate")
    p.add_argument("--max-events", type=int, default=2_000_000, help="backlog drained to measure the maximum rate")
    p.add_argument("--busy-share", type=float, default=0.9, help="the busy rate, as a share of the maximum")
    p.add_argument("--maximum-alone", action="store_true",
                   help="the maximum without the load producer beside it (the rates were shares of it before)")
    p.add_argument("--maximum", type=float, default=None, metavar="EPS",
                   help="take EPS as the maximum instead of measuring it (the rates are shares of it): two versions "
                        "of the code compared under the same load")
    p.add_argument("--probe-every", type=float, default=0.1)
    p.add_argument("--warm-up", type=int, default=5,
                   help="seconds of load at each rate before the first probe (0: probes from the load's first event, "
                        "which also measures how the processor absorbs a load that starts at once)")
    p.add_argument("--lake-flush-seconds", type=float, default=None, help="default: the processor's default")
    p.add_argument("--lake-wait", type=float, default=900.0, help="seconds to wait for every probe in the lake")
    p.add_argument("--no-spark", action="store_true")
    p.add_argument("--spark-wait", type=float, default=480.0,
                   help="seconds after the probes that Spark gets (the load going on) to write them")
    p.add_argument("--spark-max-offsets", type=int, default=0, help="maxOffsetsPerTrigger (0: the original's unbounded)")
    p.add_argument("--spark-memory", default="1g")
    p.add_argument("--idle-timeout", type=float, default=120.0)
    p.add_argument("--deadline", type=float, default=3600.0)
    p.add_argument("--trace", type=Path, default=None, metavar="DIR",
                   help="write each probe's partition, offset and times (busy-probes.json, half-probes.json) and "
                        "PostgreSQL's log with lock waits over 100 ms, slow statements, checkpoints and autovacuum "
                        "(server.log) into DIR")
    args = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    limits = Limits(args.idle_timeout, args.deadline)
    print(f"command: python bench/freshness.py {' '.join(sys.argv[1:])}", flush=True)
    print(f"machine: nproc={os.cpu_count()} load={os.getloadavg()[0]:.2f} python={sys.version.split()[0]}", flush=True)
    try:
        measure(args, limits)
    except Stalled as e:
        raise SystemExit(f"freshness: {e}") from None


def measure(args: argparse.Namespace, limits: Limits) -> None:
    with kafka_service() as (brokers, _), postgres_service() as (server, cluster):
        if args.trace is not None:
            args.trace.mkdir(parents=True, exist_ok=True)
            live.log_waits(server)
        if args.maximum:
            top = args.maximum
            print(f"  maximum: {top:,.0f} events/s, as given (--maximum: not measured)", flush=True)
        else:
            top = backlog_maximum(brokers, server, args, limits, 0.0)
            print(f"  maximum: {top:,.0f} events/s (a backlog of {args.max_events:,}, first commit to last; "
                  f"load {os.getloadavg()[0]:.2f})", flush=True)
        if not args.maximum_alone and not args.maximum:
            beside = top * args.busy_share
            top = backlog_maximum(brokers, server, args, limits, beside)
            print(f"  maximum beside the load producer at {beside:,.0f} events/s: {top:,.0f} events/s "
                  f"(the rates below are shares of this one; load {os.getloadavg()[0]:.2f})", flush=True)
        busy = OursRun(brokers, server, top * args.busy_share, args, limits, lake=False)
        _, busy_exact = busy.finish()
        print(f"  busy, {busy.rate:,.0f} events/s asked, {busy.sent.eps:,.0f} sent: bytes {busy.bytes}; "
              f"exact {busy_exact} (load {os.getloadavg()[0]:.2f}); {busy.checkpoints}", flush=True)
        half = OursRun(brokers, server, top / 2, args, limits, lake=True)
        print(f"  half, {half.rate:,.0f} events/s asked, {half.sent.eps:,.0f} sent: bytes {half.bytes} "
              f"(load {os.getloadavg()[0]:.2f}); {half.checkpoints}", flush=True)
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(half.finish)
            spark = None if args.no_spark else spark_or_none(brokers, server, top / 2, args, limits)
            lake, half_exact = waiting.result()
        if args.trace is not None and cluster is not None:
            shutil.copy(cluster.data_dir / "server.log", args.trace / "server.log")
    assert lake is not None
    print(f"  lake (half rate, LAKE_FLUSH_SECONDS {args.lake_flush_seconds or 'default'}): {lake}; exact {half_exact}")
    if spark is not None:
        print(f"  spark, {top / 2:,.0f} events/s asked: bytes {spark}")
    spark_p99 = "none" if spark is None else f"{spark.p99:.3f}"
    vs = "none" if spark is None else f"{spark.p99 / half.bytes.p99:.1f}"
    print(f"freshness: rate_eps={top / 2:.0f} bytes_p50_s={half.bytes.p50:.3f} bytes_p99_s={half.bytes.p99:.3f} "
          f"busy_rate_eps={busy.rate:.0f} busy_bytes_p99_s={busy.bytes.p99:.3f} lake_p99_s={lake.p99:.3f} "
          f"spark_bytes_p99_s={spark_p99} vs_spark={vs} exact={'yes' if busy_exact and half_exact else 'no'}")


if __name__ == "__main__":
    main()
