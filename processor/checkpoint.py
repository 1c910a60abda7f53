"""Applying one checkpoint exactly once: every partition's batch in one PostgreSQL transaction.

Inside the transaction, partition by partition (in order, holding each partition's row lock):
discard uncommitted staging files -> skip offsets below ``next_offset`` (a batch whose offsets are not
strictly ascending is refused whole: ``OffsetsOutOfOrder``, never applied in part or twice) -> parse
against the contract. Then the checkpoint's 5-minute totals are added (``admission.admit``: an event PostgreSQL
refuses becomes a dead letter, never the checkpoint's failure), each partition's admitted events are
staged (a durable file, or a row of this transaction: ``staging.contract.Staging``), dead letters are
acknowledged by Kafka, every offset advances, and COMMIT makes all of it count at once. A crash
anywhere before COMMIT leaves nothing the next owner will count twice. After COMMIT, the publish
schedule is told the rows committed; its own thread moves partitions that are due into the lake.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from typing import Any

import psycopg

from .admission import admit
from .events.parse import Parsed, parse_batch
from .events.windows import count_late
from .kafka.dead_letters import DeadLetters
from .lake.schedule import PublishSchedule
from .metrics import Metrics
from .postgres.connection import ReconnectingConnection
from .postgres.offsets import advance
from .records import Checkpoint, OffsetsOutOfOrder, TopicPartition, ascending
from .staging.contract import Staging, StagingWriter


class CheckpointApplier:
    """Applies the batches of a checkpoint, then tells the publish schedule (whose thread moves due partitions)."""

    def __init__(self, *, database: ReconnectingConnection, staging: Staging, dead_letters: DeadLetters,
                 metrics: Metrics, schedule: PublishSchedule, max_event_bytes: int) -> None:
        self._db, self._staging, self._max_event_bytes = database, staging, max_event_bytes
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
        self._schedule.note({tp: p.events.num_rows for tp, p in parsed.items()} |
                                    {tp: 0 for tp in checkpoint if tp not in parsed})

    def _apply(self, conn: psycopg.Connection[Any], checkpoint: Checkpoint) -> dict[TopicPartition, Parsed]:
        parsed: dict[TopicPartition, Parsed] = {}
        areas: dict[TopicPartition, StagingWriter] = {}
        locking = 0.0
        for tp, batch in sorted(checkpoint.items()):
            if not ascending(batch.offsets):
                raise OffsetsOutOfOrder(f"{tp}: the checkpoint's offsets are not strictly ascending; nothing applied")
            taken = time.perf_counter()
            areas[tp], next_offset = self._staging.take(conn, tp)
            locking += time.perf_counter() - taken
            start = bisect_left(batch.offsets, next_offset)
            self._metrics.replayed.inc(start)
            if start < len(batch.offsets):
                parsed[tp] = parse_batch(batch.values[start:], batch.offsets[start:], self._max_event_bytes)
        self._metrics.lock_seconds.observe(locking)
        if parsed:
            parsed = admit(conn, parsed)
        for tp, p in parsed.items():
            if p.events.num_rows:
                areas[tp].stage(p.offsets[0], p.offsets[-1], p.events)
            self._dlq.produce(tp, p.rejects)
        self._dlq.flush()
        for tp in parsed:
            advance(conn, tp, checkpoint[tp].offsets[-1] + 1)
        return parsed
