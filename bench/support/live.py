"""The systems of bench/freshness.py on a live topic: our processor, its maximum rate, and the Spark original.

Each run gets a fresh topic and database. The system starts on the empty topic and is warmed up
(one message, seen end to end) before the load begins, so start-up is not part of any probe's
time. Then ``probe_load.py`` sends the load and the probes, and a watcher polls for them.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from confluent_kafka import Producer
from psycopg import sql

from bench.peers.spark.environment import SparkEnvironment
from common import schema
from common.kafka import ensure_topic
from devstack.services import create_database, drop_database, unique
from simulator.events import Event, encode

from .probe_load import PROBE_ANTENNA, PROBE_APP
from .probe_watch import BytesWatch
from .roles import provision_with_roles, service_url
from .systems import SPARK, jdbc_url
from .tables import rows
from .watch import Limits, Stalled, Watched

ROOT = Path(__file__).resolve().parents[2]
PARTITIONS = 4
WARMUP = "warmup"


@dataclass
class Target:
    """A fresh topic and database for one system's run (``close`` drops the database and the folder)."""

    brokers: str
    topic: str
    url: str
    folder: Path

    @classmethod
    def create(cls, brokers: str, server_url: str, prefix: str) -> Target:
        topic = unique(prefix)
        ensure_topic(brokers, topic, PARTITIONS)
        url = create_database(server_url)
        provision_with_roles(url)
        return cls(brokers, topic, url, Path(tempfile.mkdtemp(prefix=f"{prefix}-")))

    def warmup_message(self) -> bytes:
        """One event, stamped now, whose user id no load event has (sent before the load)."""
        value = encode(Event(int(time.time()), WARMUP, PROBE_ANTENNA, 1, PROBE_APP))
        producer = Producer({"bootstrap.servers": self.brokers, "acks": "all"})
        producer.produce(self.topic, value, partition=0)
        if producer.flush(30) != 0:
            raise Stalled(f"the warm-up message was not delivered to {self.topic}")
        return value

    def offsets(self) -> int:
        return int(rows(self.url, "SELECT coalesce(sum(next_offset), 0)::bigint FROM processor_offsets")[0][0])

    def close(self) -> None:
        drop_database(self.url)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_processor(target: Target, limits: Limits, env: dict[str, str]) -> Watched:
    """``python -m processor`` on the target as ``pipeline_processor``, with its defaults unless ``env`` says."""
    base = {"KAFKA_BROKERS": target.brokers, "KAFKA_TOPIC": target.topic, "KAFKA_DLQ_TOPIC": target.topic + "-dlq",
            "DATABASE_URL": service_url(target.url, schema.PROCESSOR_ROLE), "DATA_DIR": str(target.folder),
            "CONSUMER_GROUP": f"ours-{target.topic}", "METRICS_PORT": "0", "LOG_LEVEL": "WARNING"}
    return Watched([sys.executable, "-m", "processor"], "our processor", limits, env=base | env, cwd=ROOT)


def checkpoint_times(port: int) -> str:
    """What the processor's checkpoints took so far, from its metrics (``processor_checkpoint_seconds``, and of that
    the wait for its partitions' locks, ``processor_checkpoint_lock_seconds``), as one phrase."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    value = {name: float(v) for name, v in (line.split(" ", 1) for line in text.splitlines()
                                            if line.startswith("processor_checkpoint_"))}
    count = int(value.get("processor_checkpoint_seconds_count", 0))
    applying = value.get("processor_checkpoint_seconds_sum", 0.0)
    locking = value.get("processor_checkpoint_lock_seconds_sum", 0.0)
    over = count - int(value.get('processor_checkpoint_lock_seconds_bucket{le="0.1"}', count))
    return (f"{count} checkpoints applied in {applying:.1f}s, of which {locking:.1f}s waiting for partition locks "
            f"({over} waits over 0.1s)")


def log_waits(server_url: str) -> None:
    """Have the PostgreSQL server log lock waits over 100 ms, statements over 200 ms, checkpoints and autovacuum."""
    settings = {"log_lock_waits": "on", "deadlock_timeout": "100ms", "log_min_duration_statement": "200",
                "log_checkpoints": "on", "log_autovacuum_min_duration": "0"}
    with psycopg.connect(server_url, autocommit=True) as conn:
        for name, value in settings.items():
            conn.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value)))
        conn.execute("SELECT pg_reload_conf()")


def warm_up(job: Watched, target: Target) -> bytes:
    """Send the warm-up message and wait until the system has counted it in ``bytes``."""
    value = target.warmup_message()
    watch = BytesWatch(target.url, [WARMUP])

    def counted() -> bool:
        watch.poll()
        return not watch.pending

    try:
        job.wait("the warm-up message counted in bytes", done=counted, interval=0.5)
    finally:
        watch.close()
    return value


def maximum_rate(target: Target, events: int, limits: Limits, env: dict[str, str]) -> float:
    """Events/s our processor commits while draining a backlog of ``events`` (from its first commit to its last)."""
    job = start_processor(target, limits, env)
    first: list[tuple[float, int]] = []

    def done() -> bool:
        committed = target.offsets()
        if committed and not first:
            first.append((time.monotonic(), committed))
        return committed >= events

    try:
        job.wait(f"offsets of all {events} messages committed", done=done, progress=target.offsets, interval=0.1)
        ended = time.monotonic()
    finally:
        job.stop()
    started, committed = first[0]
    return (events - committed) / max(ended - started, 1e-3)


def probe_load(target: Target, rate: float, seconds: float, every: float, limits: Limits,
               keep_going: bool = False, warm_up: int = 0) -> tuple[Watched, Path]:
    """``probe_load.py``: ``warm_up`` seconds of load, then ``seconds`` of load with a probe every ``every``."""
    probes = target.folder / "probes.json"
    cmd = [sys.executable, str(ROOT / "bench" / "support" / "probe_load.py"), "--brokers", target.brokers,
           "--topic", target.topic, "--rate", f"{rate:.0f}", "--seconds", str(seconds), "--probes", str(probes),
           "--probe-every", str(every), "--warm-up", str(warm_up)] + (["--keep-going"] if keep_going else [])
    return Watched(cmd, "probe load producer", limits), probes


def watch_until(watch: Callable[[], None], finished: Callable[[], bool], jobs: list[Watched], waiting_for: str,
                deadline: float, every: float) -> None:
    """Call ``watch`` every ``every`` seconds until ``finished()``; fail if a job dies or ``deadline`` (monotonic) passes."""
    checked = 0.0
    while not finished():
        watch()
        now = time.monotonic()
        if now - checked > 1.0:
            checked = now
            for job in jobs:
                if job.proc.poll() not in (None, 0):
                    raise Stalled(f"{job.label} exited with status {job.proc.poll()} while waiting for "
                                  f"{waiting_for}; last output: {job.last_line()}")
        if now > deadline:
            raise Stalled(f"not done in time while waiting for {waiting_for}")
        time.sleep(every)


def start_spark(env: SparkEnvironment, target: Target, limits: Limits, max_offsets: int, memory: str) -> Watched:
    cmd = [str(env.python), str(SPARK / "live_job.py"), "--brokers", target.brokers, "--topic", target.topic,
           "--lake", str(target.folder / "lake"), "--checkpoints", str(target.folder / "checkpoints"),
           "--jdbc-url", jdbc_url(target.url), "--jars", ",".join(map(str, env.jars)),
           "--max-offsets-per-trigger", str(max_offsets), "--driver-memory", memory]
    return Watched(cmd, "spark live job", limits, cwd=target.folder)


def spark_rows(job: Watched) -> int:
    """Input rows Spark's four queries have processed, from its last progress line."""
    for line in reversed(job.output):
        if line.startswith("progress ") and " rows=" in line:
            return int(line.rsplit("rows=", 1)[1])
    return 0


def warm_up_spark(job: Watched, target: Target) -> None:
    """Send the warm-up message and wait until each of Spark's four queries has read it (append mode
    writes nothing to ``bytes`` until later event time arrives)."""
    target.warmup_message()
    job.wait("each Spark query to read the warm-up message", done=lambda: spark_rows(job) >= 4, interval=0.5)
