"""When to move a partition's staged events into the lake: size, age, first sight, shutdown.

Files per hour and partition stay bounded: about ``3600 / flush_seconds`` on-time files, plus
one per publish that carried late events into an old hour.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from ..metrics import Metrics
from ..records import TopicPartition

log = logging.getLogger(__name__)


class PublishSchedule:
    """Tracks staged rows and age per partition and calls ``publish`` for those that are due."""

    def __init__(self, *, publish: Callable[[TopicPartition], list[Path]], metrics: Metrics,
                 flush_rows: int, flush_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._publish, self._metrics, self._clock = publish, metrics, clock
        self._flush_rows, self._flush_seconds = flush_rows, flush_seconds
        self._staged: dict[TopicPartition, tuple[int, float]] = {}  # rows, clock() of the first

    def after_commit(self, rows: dict[TopicPartition, int]) -> None:
        """Account for newly committed rows; publish partitions that are due (or new to us)."""
        now = self._clock()
        for tp, n in rows.items():
            if tp not in self._staged:  # first sight: finish what an earlier owner left staged
                self.publish(tp)
            staged, since = self._staged[tp]
            staged += n
            self._staged[tp] = (staged, since)
            if staged >= self._flush_rows or now - since >= self._flush_seconds:
                self.publish(tp)

    def publish(self, tp: TopicPartition) -> None:
        """Move the partition's committed staging files into the lake now."""
        files = self._publish(tp)
        self._staged[tp] = (0, self._clock())
        self._metrics.published.inc(len(files))
        if files:
            log.info("published %d lake file(s) for %s", len(files), tp)

    def publish_all(self) -> None:
        """Publish every partition this process has staged (on shutdown)."""
        for tp in list(self._staged):
            self.publish(tp)
