"""The original pipeline in PySpark against ours: same data, same broker, same database server, one run.

    python bench/vs_spark.py --events 2000000 [--late-share 0.01] [--repeat 1]

Loads one data set into a 4-partition topic (the load simulator's hour, time-ordered, plus a share
of late events; see bench/support/dataset.py), then, in fresh process trees:
(a) the seed's Spark streaming job (bench/peers/spark/streaming_job.py, local[2]) and our
    processor each consume all of it to committed results (for ours: every offset committed, then
    SIGTERM, whose exit publishes the lake), each into its own database;
(b) the seed's Spark batch job and ``python -m batch`` each process the hour from their own lake.
It reports events/s, seconds until the first row is visible in ``bytes``, end-to-end seconds,
peak RSS of the whole process tree (the JVM included), and whether each system's tables equal the
exact answer (computed independently from the data set); Spark drops late events, counted.
PySpark and the jars are installed on first use (bench/peers/spark/environment.py). Uses
KAFKA_BROKERS / DATABASE_URL if set, otherwise starts its own broker and PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.peers.spark.environment import spark_environment  # noqa: E402
from bench.support import systems  # noqa: E402
from bench.support.dataset import DataSet, build, produce  # noqa: E402
from bench.support.roles import provision_with_roles  # noqa: E402
from bench.support.tables import Outcome, compare  # noqa: E402
from bench.support.watch import Limits, Stalled  # noqa: E402
from devstack.services import create_database, drop_database, kafka_service, postgres_service  # noqa: E402

PARTITIONS = 4


def describe(name: str, out: Outcome) -> str:
    lost = " ".join(f"{t.split('_')[0]}={v}" for t, v in out.missing_bytes.items())
    return (f"  {name}: bytes exact={out.bytes_exact} (late events dropped {out.late_dropped}, kept {out.late_kept}; "
            f"bytes lost per type {lost}; duplicate rows {out.duplicate_rows}), bytes_hourly exact={out.hourly_exact}, "
            f"user_quota_limit exact={out.quota_exact}")


def one_round(args: argparse.Namespace, brokers: str, server: str, topic: str, data: DataSet, users: Path,
              spark_env: object, work: Path, limits: Limits, first: str) -> dict[str, object]:
    hour = data.hour.strftime("%Y-%m-%dT%H")
    urls = {name: create_database(server) for name in ("spark", "ours")}
    try:
        for url in urls.values():
            provision_with_roles(url, users)
        folders = {name: Path(tempfile.mkdtemp(prefix=f"vs-spark-{name}-", dir=work)) for name in urls}
        stream = {
            "spark": lambda: systems.spark_streaming(spark_env, brokers, topic, urls["spark"], folders["spark"],  # type: ignore[arg-type]
                                                     args.spark_max_offsets, args.spark_memory, limits),
            "ours": lambda: systems.ours_streaming(brokers, topic, urls["ours"], folders["ours"], data.events, limits),
        }
        batch = {
            "spark": lambda: systems.spark_batch(spark_env, hour, urls["spark"], folders["spark"], args.spark_memory, limits),  # type: ignore[arg-type]
            "ours": lambda: systems.ours_batch(hour, urls["ours"], folders["ours"], limits),
        }
        order = [first, "ours" if first == "spark" else "spark"]
        result: dict[str, object] = {"bare_s": systems.baseline("bare", brokers, topic, data.events, limits)}
        print(f"  bare consumer (confluent-kafka + orjson, this machine's ceiling): {result['bare_s']:.1f}s", flush=True)
        for name in order:
            result[f"{name}_stream"] = run = stream[name]()
            first_row = "never" if run.first_row_s is None else f"{run.first_row_s:.1f}s"
            print(f"  {name} streaming: {run.seconds:.1f}s, first row after {first_row}, "
                  f"peak rss {run.rss_mb:.0f} MB, cpu {run.cpu_s:.1f}s {run.note}", flush=True)
        for name in order:
            result[f"{name}_batch"] = run = batch[name]()
            print(f"  {name} batch: {run.seconds:.1f}s, peak rss {run.rss_mb:.0f} MB, cpu {run.cpu_s:.1f}s {run.note}",
                  flush=True)
        for name, url in urls.items():
            result[f"{name}_outcome"] = out = compare(url, data)
            print(describe(name, out), flush=True)
        return result
    finally:
        for url in urls.values():
            drop_database(url)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=2_000_000, help="on-time events of the hour (late ones come on top)")
    p.add_argument("--late-share", type=float, default=0.01, help="late events, as a share of the on-time ones")
    p.add_argument("--users", type=int, default=10_000)
    p.add_argument("--repeat", type=int, default=1, help="rounds, alternating which system goes first")
    p.add_argument("--spark-max-offsets", type=int, default=100_000,
                   help="Spark's maxOffsetsPerTrigger (0: unbounded, the original's default); ours "
                        "checkpoints every 100,000 messages")
    p.add_argument("--spark-memory", default="1g", help="spark.driver.memory (local mode: the whole JVM heap)")
    p.add_argument("--idle-timeout", type=float, default=180.0, help="seconds without progress before a run fails")
    p.add_argument("--deadline", type=float, default=3600.0, help="seconds one run may take in all")
    args = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    limits = Limits(args.idle_timeout, args.deadline)
    print(f"command: python bench/vs_spark.py {' '.join(sys.argv[1:])}", flush=True)
    print(f"machine: nproc={os.cpu_count()} load={os.getloadavg()[0]:.2f} python={sys.version.split()[0]}", flush=True)
    spark_env = spark_environment()
    print(f"  spark peer: PySpark {spark_env.version} in {spark_env.python.parent.parent}, jars "
          f"{', '.join(j.name for j in spark_env.jars)}", flush=True)
    data = build(args.events, args.late_share, PARTITIONS, args.users)
    rounds: list[dict[str, object]] = []
    with ExitStack() as stack:
        work = Path(tempfile.mkdtemp(prefix="vs-spark-"))
        stack.callback(shutil.rmtree, work, True)
        brokers, _ = stack.enter_context(kafka_service())
        server, _ = stack.enter_context(postgres_service())
        topic = f"vs-spark-{os.getpid()}"
        produce(brokers, topic, data, PARTITIONS)
        users = data.write_users(work / "users.csv")
        for r in range(args.repeat):
            print(f"round {r + 1} (load {os.getloadavg()[0]:.2f})", flush=True)
            try:
                rounds.append(one_round(args, brokers, server, topic, data, users, spark_env, work, limits,
                                        "spark" if r % 2 == 0 else "ours"))
            except Stalled as e:
                raise SystemExit(f"vs_spark: {e}") from None
    report(args, data, rounds)


def report(args: argparse.Namespace, data: DataSet, rounds: list[dict[str, object]]) -> None:
    def med(key: str, field: str) -> float:
        return statistics.median(getattr(r[key], field) or 0.0 for r in rounds)

    spark_eps, ours_eps = data.events / med("spark_stream", "seconds"), data.events / med("ours_stream", "seconds")
    bare_eps = data.events / statistics.median(float(r["bare_s"]) for r in rounds)  # type: ignore[arg-type]
    spark_rss = max(max(r["spark_stream"].rss_mb, r["spark_batch"].rss_mb) for r in rounds)  # type: ignore[attr-defined]
    ours_rss = max(max(r["ours_stream"].rss_mb, r["ours_batch"].rss_mb) for r in rounds)  # type: ignore[attr-defined]
    spark_exact = all(r["spark_outcome"].exact for r in rounds)  # type: ignore[attr-defined]
    ours_exact = all(r["ours_outcome"].exact for r in rounds)  # type: ignore[attr-defined]
    print(f"medians of {len(rounds)}: streaming spark {med('spark_stream', 'seconds'):.1f}s ({spark_eps:,.0f} events/s, "
          f"first row {med('spark_stream', 'first_row_s'):.1f}s), ours {med('ours_stream', 'seconds'):.1f}s "
          f"({ours_eps:,.0f} events/s, first row {med('ours_stream', 'first_row_s'):.1f}s); batch spark "
          f"{med('spark_batch', 'seconds'):.1f}s, ours {med('ours_batch', 'seconds'):.1f}s; "
          f"bare consumer {bare_eps:,.0f} events/s (ours at {ours_eps / bare_eps:.2f} of it, "
          f"Spark at {spark_eps / bare_eps:.2f})")
    print(f"vs_spark: stream_ratio={ours_eps / spark_eps:.2f} "
          f"batch_ratio={med('spark_batch', 'seconds') / med('ours_batch', 'seconds'):.2f} "
          f"spark_exact={'yes' if spark_exact else 'no'} ours_exact={'yes' if ours_exact else 'no'} "
          f"spark_rss_mb={spark_rss:.0f} ours_rss_mb={ours_rss:.0f}")


if __name__ == "__main__":
    main()
