"""When to move a partition's staged events into the lake: size, age, first sight, shutdown.

Files per hour and partition stay bounded: about ``3600 / flush_seconds`` on-time files, plus
one per publish that carried late events into an old hour.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import psycopg

from .metrics import Metrics
from .publish import publish
from .staging import StagingArea
from .store import lock_partition
from .transactions import Database

log = logging.getLogger(__name__)
TopicPartition = tuple[str, int]


class Publisher:
    """Tracks staged rows and age per partition; publishes under the partition's lock."""

    def __init__(self, *, database: Database, data_dir: Path, lake: Path, metrics: Metrics,
                 flush_rows: int, flush_seconds: float) -> None:
        self._db, self._data_dir, self._lake, self._metrics = database, data_dir, lake, metrics
        self._flush_rows, self._flush_seconds = flush_rows, flush_seconds
        self._staged: dict[TopicPartition, tuple[int, float]] = {}  # rows, monotonic time of first

    def after_commit(self, rows: dict[TopicPartition, int]) -> None:
        """Account for newly committed rows; publish partitions that are due (or new to us)."""
        now = time.monotonic()
        for tp, n in rows.items():
            if tp not in self._staged:  # first sight: finish what an earlier owner left staged
                self.publish(*tp)
            staged, since = self._staged[tp]
            staged += n
            self._staged[tp] = (staged, since)
            if staged >= self._flush_rows or now - since >= self._flush_seconds:
                self.publish(*tp)

    def publish(self, topic: str, partition: int) -> None:
        """Move the partition's committed staging files into the lake."""
        def work(conn: psycopg.Connection[Any]) -> list[Path]:
            area = StagingArea(self._data_dir, topic, partition)
            area.discard_uncommitted(lock_partition(conn, topic, partition))
            return publish(area, self._lake, topic, partition)

        files = self._db.transaction(work)
        self._staged[(topic, partition)] = (0, time.monotonic())
        self._metrics.published.inc(len(files))
        if files:
            log.info("published %d lake file(s) for %s[%d]", len(files), topic, partition)

    def publish_all(self) -> None:
        """Publish every partition this process has staged (on shutdown)."""
        for tp in list(self._staged):
            self.publish(*tp)
