"""Running the real processor as a subprocess, and an independent oracle for its outputs."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from confluent_kafka import Producer

from common import schema
from common.lake_store import LakeStore
from common.retry import within
from common.settings_lake import LakeStorageSettings
from devstack.ports import free_port

from ..helpers import query, settings_from_env
from ..services import role_url

T13 = 1667048400  # 2022-10-29T13:00:00Z
PARTITIONS = 4
LAKE_VARIABLES = {"DATA_DIR", "LAKE_URL", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                  "AWS_REGION", "AWS_ALLOW_HTTP"}
TYPES = {"id": "user_total_bytes", "antenna_id": "antenna_total_bytes", "app": "app_total_bytes"}
MALFORMED = [b"", b"not json", b"[1,2,3]", b'{"bytes":1,"timestamp":1667048400,"app":"X","id":"u"}',
             b'{"bytes":-4,"timestamp":1667048400,"app":"X","id":"u","antenna_id":"a"}',
             b'{"bytes":"12","timestamp":1667048400,"app":"X","id":"u","antenna_id":"a"}',
             b'{"bytes":1,"timestamp":1667048400,"app":"","id":"u","antenna_id":"a"}']


def make_events(count: int, seed: int, hours: int = 3) -> list[dict[str, object]]:
    """Valid events over ``hours`` hours from 13:00, out of order, with some float timestamps."""
    rng = random.Random(seed)
    events: list[dict[str, object]] = []
    for i in range(count):
        ts: int | float = T13 + rng.randrange(hours * 3600)
        if i % 10 == 0:
            ts = ts + rng.randrange(1000) / 1000
        events.append({"bytes": rng.randrange(10000), "timestamp": ts, "app": f"APP{rng.randrange(4)}",
                       "id": f"user-{rng.randrange(50):03d}", "antenna_id": f"antenna-{rng.randrange(5)}"})
    return events


def produce(brokers: str, topic: str, values: Sequence[bytes | None], partitions: int, rate: float | None = None,
            max_bytes: int = 1 << 20, deliver_within: float = 30) -> None:
    """Unkeyed messages, spread round-robin over the partitions, optionally at a steady rate; every one
    acknowledged within ``deliver_within`` seconds (longer when a test takes the broker away)."""
    producer = Producer({"bootstrap.servers": brokers, "acks": "all", "enable.idempotence": True, "linger.ms": 5,
                         "message.max.bytes": max_bytes + 4096})
    started = time.monotonic()
    for i, value in enumerate(values):
        producer.produce(topic, value=value, partition=i % partitions)
        if rate and i % 100 == 0:
            producer.poll(0)
            time.sleep(max(0.0, i / rate - (time.monotonic() - started)))
    assert producer.flush(deliver_within) == 0


def encode(event: dict[str, object]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode()


def expected_totals(events: list[dict[str, object]]) -> Counter[tuple[datetime, str, str]]:
    """The oracle: 5-minute sums computed here, independently of the processor."""
    totals: Counter[tuple[datetime, str, str]] = Counter()
    for e in events:
        window = datetime.fromtimestamp(int(float(e["timestamp"])) // 300 * 300, UTC).replace(tzinfo=None)  # type: ignore[arg-type]
        for fld, kind in TYPES.items():
            totals[(window, str(e[fld]), kind)] += int(e["bytes"])  # type: ignore[call-overload]
    return totals


def database_totals(url: str) -> Counter[tuple[datetime, str, str]]:
    return Counter({(t, i, k): v for t, i, v, k in query(url, "SELECT timestamp, id, value, type FROM bytes")})


def lake_store(env: dict[str, str]) -> LakeStore:
    """The lake a processor with ``env`` writes (``DATA_DIR/events`` or ``LAKE_URL``)."""
    return settings_from_env(LakeStorageSettings, {k: v for k, v in env.items() if k in LAKE_VARIABLES}).lake()


def lake_events(lake: Path | LakeStore) -> list[tuple[object, ...]]:
    """Every event in the lake (a data folder's or any store), read as a hive dataset by Polars, with
    its partition hour checked; the lake must hold nothing but complete ``part-*.parquet`` objects."""
    store = lake if isinstance(lake, LakeStore) else LakeStore(str(lake / "events"))
    objects = store.walk()
    assert all(o.name.startswith("part-") and o.name.endswith(".parquet") for o in objects), objects
    if not objects:
        return []
    frame = pl.scan_parquet(store.url + "/", hive_partitioning=True, storage_options=store.storage_options).collect()
    assert (frame["timestamp"].dt.hour() == frame["hour"]).all()
    return sorted(frame.select("timestamp", "id", "antenna_id", "bytes", "app").rows())


def expected_lake(events: list[dict[str, object]]) -> list[tuple[object, ...]]:
    rows = []
    for e in events:
        micros = round(float(e["timestamp"]) * 1e6)  # type: ignore[arg-type]
        ts = datetime.fromtimestamp(micros // 1_000_000, UTC).replace(microsecond=micros % 1_000_000)
        rows.append((ts, e["id"], e["antenna_id"], e["bytes"], e["app"]))
    return sorted(rows)


_STARTED: list[ProcessorRun] = []  # every run started by the current test, for ``kill_leftovers``


def kill_leftovers() -> int:
    """SIGKILL every processor a test started and left running (a failed assertion skips its stop):
    none outlives its test, holds its database or consumes in the next test's group. How many."""
    left = [run for run in _STARTED if run.proc is not None and run.proc.poll() is None]
    for run in left:
        run.kill()
    _STARTED.clear()
    return len(left)


@dataclass
class ProcessorRun:
    """One ``python -m processor`` subprocess with its settings."""

    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    metrics_port: int = field(default_factory=free_port)

    def start(self) -> ProcessorRun:
        env = {**os.environ, **self.env, "METRICS_PORT": str(self.metrics_port)}
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "processor"], env=env, stdout=out, stderr=out)
        _STARTED.append(self)
        return self

    def wait_started(self, times: int, timeout: float = 60) -> None:
        """Until the shared log shows Quix's start line ``times`` times (slow starts on a busy machine)."""
        assert within(lambda: self.log.read_text(errors="replace").count("The application started") >= times,
                      timeout), f"processor did not start within {timeout}s"

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM and wait; the exit code."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)


@dataclass(frozen=True)
class Pipeline:
    """What one processor test runs against: a provisioned database, a topic, a data folder, a log, a lake."""

    url: str
    topic: str
    data: Path
    brokers: str
    log: Path
    env: dict[str, str]  # the processor's settings; tests may adjust them before a run
    lake: LakeStore  # where its lake is: the data folder's events/, or a bucket


def processor_env(brokers: str, topic: str, database_url: str, data_dir: Path, group: str) -> dict[str, str]:
    """The processor's environment; it connects as its own role to the database of ``database_url``."""
    return {"KAFKA_BROKERS": brokers, "KAFKA_TOPIC": topic, "KAFKA_DLQ_TOPIC": f"{topic}-dlq",
            "DATABASE_URL": role_url(database_url, schema.PROCESSOR_ROLE), "DATA_DIR": str(data_dir),
            "CONSUMER_GROUP": group, "COMMIT_INTERVAL": "0.5", "LAKE_FLUSH_SECONDS": "2", "LOG_LEVEL": "INFO",
            # A killed processor's partitions go to the next one after 10 s, not the default 45 s.
            "KAFKA_SESSION_TIMEOUT_MS": "10000"}


def wait_caught_up(url: str, topic: str, ends: dict[int, int], timeout: float = 120) -> None:
    """Until ``processor_offsets`` reaches the end of every partition."""
    done: dict[int, int] = {}

    def caught_up() -> bool:
        done.clear()
        done.update(query(url, "SELECT partition, next_offset FROM processor_offsets WHERE topic = %s", (topic,)))
        return all(done.get(p, 0) >= end for p, end in ends.items())

    assert within(caught_up, timeout, interval=0.3), f"processor did not catch up: {done} < {ends}"


def scrape_until(port: int, *needles: str, timeout: float = 30) -> str:
    """The processor's /metrics text once it contains every one of ``needles``: counters move just after
    the commit that PostgreSQL's offsets show (and librdkafka's statistics every 2 s), so read them again."""
    text = ""

    def scraped() -> bool:
        nonlocal text
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
        return all(needle in text for needle in needles)

    within(scraped, timeout, interval=0.3)
    return text
