"""Applying one checkpoint exactly once: every partition's batch in one PostgreSQL transaction.

Inside the transaction, partition by partition (in order, holding each partition's row lock):
discard uncommitted staging files -> skip offsets below ``next_offset`` -> parse -> stage valid
events (a durable file, or a row of this transaction: ``ownership.Staging``). Then dead letters
are acknowledged by Kafka, the checkpoint's 5-minute totals are added in one upsert, every offset
advances, and COMMIT makes all of it count at once. A crash
anywhere before COMMIT leaves nothing the next owner will count twice. After COMMIT, the publish
schedule moves partitions that are due into the lake.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from typing import Any

import psycopg
import pyarrow as pa

from .events.parse import Parsed, parse_batch
from .events.windows import count_late, window_totals
from .kafka.dead_letters import DeadLetters
from .lake.schedule import PublishSchedule
from .metrics import Metrics
from .ownership import Staging
from .postgres.connection import ReconnectingConnection
from .postgres.offsets import advance
from .postgres.totals import add_totals
from .records import Checkpoint, TopicPartition


class CheckpointApplier:
    """Applies the batches of a checkpoint, then lets the publish schedule move due partitions."""

    def __init__(self, *, database: ReconnectingConnection, staging: Staging, dead_letters: DeadLetters,
                 metrics: Metrics, schedule: PublishSchedule) -> None:
        self._db, self._staging = database, staging
        self._dlq, self._metrics, self._schedule = dead_letters, metrics, schedule
        self._newest: dict[TopicPartition, int | None] = {}

    def apply(self, checkpoint: Checkpoint) -> None:
        """Apply every partition's batch exactly once."""
        started = time.perf_counter()
        parsed = self._db.transaction(self._apply, checkpoint)
        self._metrics.checkpoint_seconds.observe(time.perf_counter() - started)
        for tp, batch in checkpoint.items():
            self._metrics.consumed.labels(tp.topic, str(tp.partition)).inc(len(batch.offsets))
        for tp, p in parsed.items():
            late, self._newest[tp] = count_late(p.events, self._newest.get(tp))
            self._metrics.late.inc(late)
            self._metrics.written.inc(p.events.num_rows)
            for reject in p.rejects:
                self._metrics.dead_lettered.labels(reject.category).inc()
        self._schedule.after_commit({tp: p.events.num_rows for tp, p in parsed.items()} |
                                    {tp: 0 for tp in checkpoint if tp not in parsed})

    def _apply(self, conn: psycopg.Connection[Any], checkpoint: Checkpoint) -> dict[TopicPartition, Parsed]:
        parsed: dict[TopicPartition, Parsed] = {}
        ends: dict[TopicPartition, int] = {}
        for tp, batch in sorted(checkpoint.items()):
            area, next_offset = self._staging.take(conn, tp)
            start = bisect_left(batch.offsets, next_offset)
            self._metrics.replayed.inc(start)
            if start == len(batch.offsets):
                continue
            p = parse_batch(batch.values[start:], batch.offsets[start:])
            if p.events.num_rows:
                area.stage(p.offsets[0], p.offsets[-1], p.events)
            self._dlq.produce(tp, p.rejects)
            parsed[tp] = p
            ends[tp] = batch.offsets[-1] + 1
        self._dlq.flush()
        if parsed:
            add_totals(conn, window_totals(pa.concat_tables([p.events for p in parsed.values()])))
        for tp, end in ends.items():
            advance(conn, tp, end)
        return parsed
