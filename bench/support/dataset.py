"""The data set both systems consume in bench/vs_spark.py, and the exact answer, computed independently.

One hour of the load simulator's events (time-ordered, up to 5 s early), plus a share of late
events: copies of a random event of the stream stamped 2 to 10 minutes earlier than the stream's
position, as phones that were offline would report. Each late event is the only late one of its
(user, 5-minute window) and has bytes > 0, so whether a system dropped it can be read off that
user's row. The stream ends with one event per partition a few minutes into the next hour, so an
event-time watermark passes the hour's end (Spark emits a window only then); the comparison
covers the hour's windows only.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
import polars as pl
from confluent_kafka import Producer

from common import schema
from common.kafka import ensure_topic
from simulator.events import Event, encode
from simulator.load import LoadShape, load_messages

WINDOW = schema.WINDOW_SECONDS
JSON_SCHEMA = {"bytes": pl.Int64, "timestamp": pl.Int64, "app": pl.String, "id": pl.String, "antenna_id": pl.String}


@dataclass(frozen=True)
class DataSet:
    """The messages in send order, the users, and what any exact system must end up with."""

    hour: datetime
    chunks: list[list[bytes]]
    events: int
    users: pl.DataFrame  # id, name, email, quota: user_metadata (the last 1% of ids left out: unknown)
    late: pl.DataFrame  # id, window (naive UTC), bytes: one row per late event
    bytes_rows: pl.DataFrame  # the hour's 5-minute rows of `bytes`: timestamp, id, value, type
    hourly_rows: pl.DataFrame  # the hour's rows of `bytes_hourly`
    quota_rows: pl.DataFrame  # the hour's rows of `user_quota_limit`: email, usage, quota, timestamp

    def write_users(self, path: Path) -> Path:
        """The users as the CSV file ``python -m provision`` loads into user_metadata."""
        with path.open("w", newline="") as f:
            out = csv.writer(f)
            out.writerow(["id", "name", "email", "quota"])
            out.writerows(self.users.iter_rows())
        return path


def _late_copies(chunk: list[bytes], share: float, start: int, late: dict[tuple[str, int], int],
                 rng: random.Random) -> list[bytes]:
    """Late copies of random events of ``chunk``, 120-600 s behind its last timestamp."""
    now, wanted = orjson.loads(chunk[-1])["timestamp"], round(len(chunk) * share)
    out: list[bytes] = []
    for raw in rng.sample(chunk, min(len(chunk), 2 * wanted)):
        if len(out) >= wanted:
            break
        e = orjson.loads(raw)
        stamp = now - rng.randint(120, 600)
        key = (e["id"], stamp - stamp % WINDOW)
        if stamp < start or e["bytes"] == 0 or key in late:
            continue
        late[key] = e["bytes"]
        out.append(encode(Event(stamp, e["id"], e["antenna_id"], e["bytes"], e["app"])))
    return out


def build(events: int, late_share: float, partitions: int, users: int, seed: int = 0) -> DataSet:
    """``events`` simulator events over one hour (and ``late_share`` more, late), then closing events."""
    shape = LoadShape(users=users)
    rng, late = random.Random(seed), dict[tuple[str, int], int]()
    chunks: list[list[bytes]] = []
    for chunk in load_messages(events, shape, seed):
        chunks.append(chunk + _late_copies(chunk, late_share, shape.start, late, rng))
    closing = shape.start + shape.span_seconds + 5 * 60
    first = orjson.loads(chunks[0][0])
    chunks.append([encode(Event(closing, first["id"], first["antenna_id"], 1, first["app"]))] * partitions)
    late_frame = pl.DataFrame([(i, w, b) for (i, w), b in late.items()], orient="row",
                              schema={"id": pl.String, "window": pl.Int64, "bytes": pl.Int64})
    return _with_answer(chunks, datetime.fromtimestamp(shape.start, UTC), late_frame)


def _users(totals: pl.DataFrame) -> pl.DataFrame:
    """All ids but the last 1%; quotas from 0.5x to 1.5x the mean usage, so about half are over."""
    mean = int(totals["value"].sum()) // max(totals.height, 1)
    ids = totals["id"].sort()
    ids = ids.head(len(ids) - len(ids) // 100)
    return pl.DataFrame({"id": ids}).with_row_index("n").select(
        "id", pl.format("user{}", "n").alias("name"), pl.format("user{}@example.com", "n").alias("email"),
        (mean * (0.5 + (pl.col("n") % 100) / 100)).cast(pl.Int64).alias("quota"))


def _with_answer(chunks: list[list[bytes]], hour: datetime, late: pl.DataFrame) -> DataSet:
    frame = pl.read_ndjson(io.BytesIO(b"\n".join(m for c in chunks for m in c)), schema=JSON_SCHEMA)
    start = int(hour.timestamp())
    inside = frame.filter(pl.col("timestamp").is_between(start, start + 3599)).with_columns(
        (pl.col("timestamp") - pl.col("timestamp") % WINDOW).alias("window"))
    to_time = (pl.col("window") * 1_000_000).cast(pl.Datetime("us"))
    at_hour = pl.lit(hour.replace(tzinfo=None)).cast(pl.Datetime("us")).alias("timestamp")
    bytes_rows = pl.concat([
        inside.group_by("window", pl.col(key).alias("id")).agg(pl.col("bytes").sum().alias("value"))
        .select(to_time.alias("timestamp"), "id", "value", pl.lit(kind).alias("type"))
        for key, kind in schema.METRIC_TYPES.items()])
    hourly_rows = pl.concat([
        inside.group_by(pl.col(key).alias("id")).agg(pl.col("bytes").sum().alias("value"))
        .select(at_hour, "id", "value", pl.lit(kind).alias("type"))
        for key, kind in schema.METRIC_TYPES.items()])
    user_totals = hourly_rows.filter(type=schema.USER_TOTAL)
    users = _users(user_totals)
    quota_rows = (user_totals.join(users, on="id").filter(pl.col("value") > pl.col("quota"))
                  .select("email", pl.col("value").alias("usage"), "quota", "timestamp"))
    return DataSet(hour, chunks, sum(len(c) for c in chunks), users, late.with_columns(to_time),
                   bytes_rows, hourly_rows, quota_rows)


def produce(brokers: str, topic: str, data: DataSet, partitions: int) -> None:
    """Send the data set in order, message i to partition i mod ``partitions``: every partition then covers the
    hour evenly. (With the sticky partitioner the partitions were filled unevenly, and Spark's
    per-trigger offset limit, shared in proportion to each partition's backlog, let them drift
    apart in event time, so its watermark dropped on-time events of the lagging ones.)"""
    ensure_topic(brokers, topic, partitions)
    producer = Producer({"bootstrap.servers": brokers, "acks": "all", "enable.idempotence": True, "linger.ms": 20,
                         "batch.size": 1_000_000, "compression.type": "lz4", "queue.buffering.max.messages": 1_000_000})
    sent = 0
    for chunk in data.chunks:
        for value in chunk:
            while True:
                try:
                    producer.produce(topic, value, partition=sent % partitions)
                    break
                except BufferError:
                    producer.poll(0.05)
            sent += 1
        producer.poll(0)
    if producer.flush(120) != 0:
        raise SystemExit(f"vs_spark: {producer.flush(0)} messages not delivered to {topic}")
    print(f"  produced {sent:,} events ({data.late.height:,} of them late), round robin over {partitions} partitions",
          flush=True)
