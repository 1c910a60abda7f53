"""Baseline consumers for bench/speed.py, each run as its own process on the same topic.

    python bench/baselines.py bare|quix-floor|quix-idiomatic --brokers B --topic T --events N [--database-url U]

bare           confluent-kafka reading and parsing every message (orjson), nothing else: the
               ceiling for any Python consumer.
quix-floor     a Quix Streams app that deserializes each message (JSON) and drops it: the ceiling
               for any Quix app.
quix-idiomatic the pipeline as Quix's docs would write it: three group_by + 5-minute tumbling
               sums (.current(), live) + a PostgreSQL upsert sink.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson
import psycopg
from confluent_kafka import Consumer
from quixstreams import Application
from quixstreams.sinks import BatchingSink, SinkBatch

from common.kafka import CONSUMER_TUNING
from common.schema import METRIC_TYPES


def bare(brokers: str, topic: str, events: int) -> None:
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": f"bare-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False, **CONSUMER_TUNING})
    consumer.subscribe([topic])
    loads, seen, shown = orjson.loads, 0, 0.0
    while seen < events:
        for msg in consumer.consume(1000, timeout=1.0):
            if msg.error() is None:
                loads(msg.value())
                seen += 1
        shown = progress(seen, shown)
    consumer.close()


def progress(seen: int, shown: float) -> float:
    """One ``progress N`` line a second at most: what the benchmark's idle timeout watches."""
    now = time.monotonic()
    if now - shown < 1.0:
        return shown
    print(f"progress {seen}", flush=True)
    return now


def _app(brokers: str, state: str, stop_after: int, count_topics: set[str] | None = None) -> Application:
    seen, shown = [0], [0.0]

    def processed(topic: str, partition: int, offset: int) -> None:
        if count_topics is None or topic in count_topics:
            seen[0] += 1
            if seen[0] % 10_000 == 0:
                shown[0] = progress(seen[0], shown[0])
            if seen[0] >= stop_after:
                app.stop()

    app = Application(broker_address=brokers, consumer_group=f"quix-{uuid.uuid4().hex}",
                      auto_offset_reset="earliest", state_dir=state, loglevel="ERROR",
                      on_message_processed=processed, consumer_extra_config=dict(CONSUMER_TUNING))
    return app


def quix_floor(brokers: str, topic: str, events: int) -> None:
    with tempfile.TemporaryDirectory() as state:
        app = _app(brokers, state, events)
        app.dataframe(app.topic(topic, value_deserializer="json"))
        app.run()


class UpsertSink(BatchingSink):
    """What a Quix user would write: upsert each window's current sum by primary key."""

    def __init__(self, url: str, kind: str) -> None:
        super().__init__()
        self._conn = psycopg.connect(url, autocommit=True)
        self._kind = kind

    def write(self, batch: SinkBatch) -> None:
        rows = [(item.value["start"] / 1000, item.key.decode() if isinstance(item.key, bytes) else str(item.key),
                 item.value["value"], self._kind) for item in batch]
        with self._conn.transaction(), self._conn.cursor() as cur:
            cur.executemany("INSERT INTO bytes (timestamp, id, value, type) "
                            "VALUES (to_timestamp(%s) AT TIME ZONE 'UTC', %s, %s, %s) "
                            "ON CONFLICT (timestamp, type, id) DO UPDATE SET value = EXCLUDED.value", rows)


def quix_idiomatic(brokers: str, topic: str, events: int, url: str) -> None:
    def event_time(value: Any, headers: Any, timestamp: int, kind: Any) -> int:
        return int(value["timestamp"] * 1000)

    with tempfile.TemporaryDirectory() as state:
        repartition: set[str] = set()
        app = _app(brokers, state, events * len(METRIC_TYPES), repartition)
        sdf = app.dataframe(app.topic(topic, value_deserializer="json", timestamp_extractor=event_time))
        for field, kind in METRIC_TYPES.items():
            grouped = sdf.group_by(field)
            (grouped.apply(lambda v: v["bytes"])
             .tumbling_window(timedelta(minutes=5)).sum().current()
             .sink(UpsertSink(url, kind)))
        repartition.update(app._topic_manager.repartition_topics)
        app.run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["bare", "quix-floor", "quix-idiomatic"])
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if args.kind == "bare":
        bare(args.brokers, args.topic, args.events)
    elif args.kind == "quix-floor":
        quix_floor(args.brokers, args.topic, args.events)
    else:
        quix_idiomatic(args.brokers, args.topic, args.events, args.database_url)


if __name__ == "__main__":
    main()
