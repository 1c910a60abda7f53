"""Running each system of bench/vs_spark.py on the data set: Spark's two jobs and ours, watched.

Each run is one fresh process tree, timed from spawn to exit, with its tree's peak resident
memory (the JVM included), an idle timeout and a deadline (``watch.Watched``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from bench.peers.spark import environment
from common import schema
from common.lake import counts, hour_dir

from .roles import service_url
from .tables import FirstRow
from .watch import Limits, Watched

ROOT = Path(__file__).resolve().parents[2]
SPARK = ROOT / "bench" / "peers" / "spark"


@dataclass(frozen=True)
class Run:
    """One system's run: seconds from spawn to exit, first row visible (streaming), peak RSS."""

    seconds: float
    first_row_s: float | None
    rss_mb: float
    cpu_s: float
    note: str = ""


def jdbc_url(url: str) -> str:
    """``postgresql://user@host:port/db`` as Spark's JDBC URL."""
    parts = urlsplit(url)
    return f"jdbc:postgresql://{parts.hostname}:{parts.port}{parts.path}?user={parts.username}"


def baseline(kind: str, brokers: str, topic: str, events: int, limits: Limits, url: str | None = None) -> float:
    """Seconds from spawn to exit of one baseline consumer; it fails if its count stops moving."""
    cmd = [sys.executable, str(ROOT / "bench" / "baselines.py"), kind, "--brokers", brokers,
           "--topic", topic, "--events", str(events)] + (["--database-url", url] if url else [])
    job = Watched(cmd, f"{kind} baseline", limits)
    counted = "messages on the repartition topics" if kind == "quix-idiomatic" else "messages"
    target = events * 3 if kind == "quix-idiomatic" else events
    return job.wait(f"{target:,} {counted} counted", progress=lambda: job.lines)


def spark_streaming(env: environment.SparkEnvironment, brokers: str, topic: str, url: str, work: Path,
                    max_offsets: int, memory: str, limits: Limits) -> Run:
    cmd = [str(env.python), str(SPARK / "streaming_job.py"), "--brokers", brokers, "--topic", topic,
           "--lake", str(work / "lake"), "--checkpoints", str(work / "checkpoints"), "--jdbc-url", jdbc_url(url),
           "--jars", ",".join(map(str, env.jars)), "--max-offsets-per-trigger", str(max_offsets),
           "--driver-memory", memory]
    first = FirstRow(url)
    job = Watched(cmd, "spark streaming job", limits, cwd=work)
    try:
        def progress() -> object:
            first.poll()
            return job.last_line()
        seconds = job.wait("every query to process all of the topic (processAllAvailable)", progress=progress)
    finally:
        first.close()
    return Run(seconds, first.seconds, job.peak_rss_mb, job.cpu_s, job.last_line())


def _offsets(conn: psycopg.Connection[tuple[int]]) -> int:
    row = conn.execute("SELECT coalesce(sum(next_offset), 0)::bigint FROM processor_offsets").fetchone()
    return int(row[0]) if row else 0


def ours_streaming(brokers: str, topic: str, url: str, data_dir: Path, events: int, limits: Limits) -> Run:
    env = {"KAFKA_BROKERS": brokers, "KAFKA_TOPIC": topic, "DATABASE_URL": service_url(url, schema.PROCESSOR_ROLE),
           "DATA_DIR": str(data_dir),
           "CONSUMER_GROUP": f"ours-{topic}", "KAFKA_DLQ_TOPIC": topic + "-dlq", "METRICS_PORT": "0",
           "LOG_LEVEL": "WARNING"}
    first = FirstRow(url)
    job = Watched([sys.executable, "-m", "processor"], "our processor", limits, env=env, cwd=ROOT)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            def done() -> bool:
                first.poll()
                return _offsets(conn) >= events
            job.wait(f"offsets of all {events} messages committed in processor_offsets", done=done,
                     progress=lambda: _offsets(conn))
        seconds = job.stop()  # SIGTERM: the exit publishes every staged event into the lake
    finally:
        first.close()
    return Run(seconds, first.seconds, job.peak_rss_mb, job.cpu_s)


def spark_batch(env: environment.SparkEnvironment, hour: str, url: str, work: Path, memory: str, limits: Limits) -> Run:
    cmd = [str(env.python), str(SPARK / "batch_job.py"), "--hour", hour, "--lake", str(work / "lake"),
           "--jdbc-url", jdbc_url(url), "--jars", ",".join(map(str, env.jars)), "--driver-memory", memory]
    job = Watched(cmd, "spark batch job", limits, cwd=work)
    seconds = job.wait(f"the batch job to write hour {hour}")
    return Run(seconds, None, job.peak_rss_mb, job.cpu_s, job.last_line())


def ours_batch(hour: str, url: str, data_dir: Path, limits: Limits) -> Run:
    env = {"DATABASE_URL": service_url(url, schema.BATCH_ROLE), "DATA_DIR": str(data_dir), "LOG_LEVEL": "INFO"}
    job = Watched([sys.executable, "-m", "batch", "--hour", hour], "our batch job", limits, env=env, cwd=ROOT)
    seconds = job.wait(f"python -m batch to write hour {hour}")
    return Run(seconds, None, job.peak_rss_mb, job.cpu_s, job.last_line())


def lake_files(folder: Path, hour_start: int) -> int:
    """Parquet files a lake holds for the hour (Spark's and ours, for the report)."""
    return sum(counts(p.name) for p in hour_dir(folder, hour_start).glob("*"))
