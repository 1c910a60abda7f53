"""Applying one partition's batch exactly once: lock, skip what was applied, stage, totals, commit.

Order inside one PostgreSQL transaction holding the partition's row lock:
discard uncommitted staging files -> skip offsets below ``next_offset`` -> stage valid events
(durable file) -> dead letters produced and acknowledged -> add 5-minute totals -> advance the
offset -> COMMIT. A crash anywhere before COMMIT leaves nothing the next owner will count.
"""

from __future__ import annotations

import logging
import time
from bisect import bisect_left
from pathlib import Path
from typing import Any

import psycopg
from pydantic import SecretStr

from common.db import connect
from common.errors import DatabaseUnavailable

from .aggregate import count_late, window_totals
from .dlq import DeadLetters
from .metrics import Metrics
from .parse import Parsed, parse_batch
from .publish import publish
from .staging import StagingArea
from .store import add_totals, advance, lock_partition

log = logging.getLogger(__name__)
RETRIES_ON_CONFLICT = 5


class PartitionWriter:
    """Owns the database connection; applies and publishes batches of (topic, partition)."""

    def __init__(self, *, database_url: SecretStr, data_dir: Path, lake: Path,
                 dead_letters: DeadLetters, metrics: Metrics, flush_rows: int, flush_seconds: float) -> None:
        self._url = database_url
        self._data_dir, self._lake = data_dir, lake
        self._dlq, self._metrics = dead_letters, metrics
        self._flush_rows, self._flush_seconds = flush_rows, flush_seconds
        self._conn: psycopg.Connection[Any] | None = None
        self._newest: dict[tuple[str, int], int | None] = {}
        self._staged: dict[tuple[str, int], tuple[int, float]] = {}  # rows, monotonic time of first

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = connect(self._url, autocommit=True)
        return self._conn

    def _transaction(self, work: Any, *args: Any) -> Any:
        """Run ``work(conn, *args)`` in a transaction; retry conflicts; map outages."""
        for attempt in range(RETRIES_ON_CONFLICT):
            try:
                conn = self._connection()
                with conn.transaction():
                    result = work(conn, *args)
                    commit_started = time.perf_counter()
                self._metrics.commit_seconds.observe(time.perf_counter() - commit_started)
                return result
            except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
                log.info("transaction conflict, retrying (attempt %d)", attempt + 1)
            except psycopg.OperationalError as e:
                if self._conn is not None:
                    self._conn.close()
                raise DatabaseUnavailable(f"PostgreSQL failed during a batch: {e}") from e
        raise DatabaseUnavailable("PostgreSQL kept reporting conflicts; giving up this batch")

    def write(self, topic: str, partition: int, values: list[bytes | None], offsets: list[int]) -> None:
        """Apply one batch (offsets ascending) exactly once, then publish if due."""
        started = time.perf_counter()
        tp = (topic, partition)
        self._metrics.consumed.labels(topic, str(partition)).inc(len(offsets))
        parsed = self._transaction(self._apply, topic, partition, values, offsets)
        self._metrics.batch_seconds.observe(time.perf_counter() - started)
        if parsed is not None:
            late, self._newest[tp] = count_late(parsed.events, self._newest.get(tp))
            self._metrics.late.inc(late)
            self._metrics.written.inc(parsed.events.num_rows)
            for reject in parsed.rejects:
                self._metrics.dead_lettered.labels(reject.category).inc()
        first_time = tp not in self._staged
        if first_time or self._publish_due(tp, parsed.events.num_rows if parsed else 0):
            self.publish(topic, partition)

    def _apply(self, conn: psycopg.Connection[Any], topic: str, partition: int,
               values: list[bytes | None], offsets: list[int]) -> Parsed | None:
        next_offset = lock_partition(conn, topic, partition)
        area = StagingArea(self._data_dir, topic, partition)
        area.discard_uncommitted(next_offset)
        start = bisect_left(offsets, next_offset)
        self._metrics.replayed.inc(start)
        if start == len(offsets):
            return None
        parsed = parse_batch(values[start:], offsets[start:])
        if parsed.events.num_rows:
            area.stage(parsed.offsets[0], parsed.offsets[-1], parsed.events)
        self._dlq.send(topic, partition, parsed.rejects)
        add_totals(conn, window_totals(parsed.events))
        advance(conn, topic, partition, offsets[-1] + 1)
        return parsed

    def _publish_due(self, tp: tuple[str, int], rows: int) -> bool:
        staged_rows, since = self._staged[tp]
        self._staged[tp] = (staged_rows + rows, since)
        return staged_rows + rows >= self._flush_rows or time.monotonic() - since >= self._flush_seconds

    def publish(self, topic: str, partition: int) -> None:
        """Move the partition's committed staging files into the lake (under its lock)."""
        def work(conn: psycopg.Connection[Any]) -> list[Path]:
            area = StagingArea(self._data_dir, topic, partition)
            area.discard_uncommitted(lock_partition(conn, topic, partition))
            return publish(area, self._lake, topic, partition)

        files = self._transaction(work)
        self._staged[(topic, partition)] = (0, time.monotonic())
        self._metrics.published.inc(len(files))
        if files:
            log.info("published %d lake file(s) for %s[%d]", len(files), topic, partition)

    def publish_all(self) -> None:
        """Publish every partition this process has written (on shutdown)."""
        for topic, partition in list(self._staged):
            self.publish(topic, partition)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
