"""Applying one checkpoint exactly once: every partition's batch in one PostgreSQL transaction.

Inside the transaction, partition by partition (in order, holding each partition's row lock):
discard uncommitted staging files -> skip offsets below ``next_offset`` -> stage valid events
(durable file). Then dead letters are acknowledged by Kafka, the checkpoint's 5-minute totals are
added in one upsert, every offset advances, and COMMIT makes all of it count at once. A crash
anywhere before COMMIT leaves nothing the next owner will count twice.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa

from .aggregate import count_late, window_totals
from .dlq import DeadLetters
from .metrics import Metrics
from .parse import Parsed, parse_batch
from .publisher import Publisher
from .staging import StagingArea
from .store import add_totals, advance, lock_partition
from .transactions import Database

TopicPartition = tuple[str, int]
Batch = tuple[list[bytes | None], list[int]]  # values, ascending offsets


class CheckpointWriter:
    """Applies the batches of a checkpoint, then lets the publisher move due partitions to the lake."""

    def __init__(self, *, database: Database, data_dir: Path, dead_letters: DeadLetters,
                 metrics: Metrics, publisher: Publisher) -> None:
        self._db, self._data_dir = database, data_dir
        self._dlq, self._metrics, self._publisher = dead_letters, metrics, publisher
        self._newest: dict[TopicPartition, int | None] = {}

    def write(self, batches: dict[TopicPartition, Batch]) -> None:
        """Apply every partition's batch exactly once."""
        started = time.perf_counter()
        parsed = self._db.transaction(self._apply, batches)
        self._metrics.batch_seconds.observe(time.perf_counter() - started)
        for (topic, partition), (_, offsets) in batches.items():
            self._metrics.consumed.labels(topic, str(partition)).inc(len(offsets))
        for tp, p in parsed.items():
            late, self._newest[tp] = count_late(p.events, self._newest.get(tp))
            self._metrics.late.inc(late)
            self._metrics.written.inc(p.events.num_rows)
            for reject in p.rejects:
                self._metrics.dead_lettered.labels(reject.category).inc()
        self._publisher.after_commit({tp: p.events.num_rows for tp, p in parsed.items()} |
                                     {tp: 0 for tp in batches if tp not in parsed})

    def _apply(self, conn: psycopg.Connection[Any], batches: dict[TopicPartition, Batch]) -> dict[TopicPartition, Parsed]:
        parsed: dict[TopicPartition, Parsed] = {}
        ends: dict[TopicPartition, int] = {}
        for (topic, partition), (values, offsets) in sorted(batches.items()):
            next_offset = lock_partition(conn, topic, partition)
            area = StagingArea(self._data_dir, topic, partition)
            area.discard_uncommitted(next_offset)
            start = bisect_left(offsets, next_offset)
            self._metrics.replayed.inc(start)
            if start == len(offsets):
                continue
            p = parse_batch(values[start:], offsets[start:])
            if p.events.num_rows:
                area.stage(p.offsets[0], p.offsets[-1], p.events)
            self._dlq.produce(topic, partition, p.rejects)
            parsed[(topic, partition)] = p
            ends[(topic, partition)] = offsets[-1] + 1
        self._dlq.flush()
        if parsed:
            add_totals(conn, window_totals(pa.concat_tables([p.events for p in parsed.values()])))
        for (topic, partition), end in ends.items():
            advance(conn, topic, partition, end)
        return parsed
