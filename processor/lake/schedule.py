"""When to move a partition's staged events into the lake: size, age, first sight, shutdown.

Files per hour and partition stay bounded: about ``3600 / flush_seconds`` on-time files, plus
one per publish that carried late events into an old hour.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from ..metrics import Metrics
from ..records import TopicPartition

log = logging.getLogger(__name__)


class PublishSchedule:
    """Tracks staged rows and age per partition and calls ``publish`` for those that are due."""

    def __init__(self, *, publish: Callable[[TopicPartition], list[str]], metrics: Metrics,
                 flush_rows: int, flush_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._publish, self._metrics, self._clock = publish, metrics, clock
        self._flush_rows, self._flush_seconds = flush_rows, flush_seconds
        self._staged: dict[TopicPartition, tuple[int, float]] = {}  # rows, clock() of the first
        self._unfinished: set[TopicPartition] = set()  # new to us, or whose last publish failed

    def after_commit(self, rows: dict[TopicPartition, int]) -> None:
        """Account for newly committed rows, then publish the partitions that are new to us (to finish
        what an earlier owner left staged), whose last publish failed, or that are due.

        Every partition is accounted before any publish: one that fails (an outage) cannot make
        this process forget the others, which ``publish_all`` must still publish at shutdown.
        """
        now = self._clock()
        for tp, n in rows.items():
            if tp not in self._staged:
                self._unfinished.add(tp)
            staged, since = self._staged.get(tp, (0, now))
            self._staged[tp] = (staged + n, since)
        for tp in sorted(self._unfinished):
            self.publish(tp)
        for tp in rows:
            staged, since = self._staged[tp]
            if staged >= self._flush_rows or now - since >= self._flush_seconds:
                self.publish(tp)

    def publish(self, tp: TopicPartition) -> None:
        """Move the partition's committed staged events into the lake now.

        If it fails, the next checkpoint and the shutdown try again, even when the partition
        receives nothing more.
        """
        self._unfinished.add(tp)
        files = self._publish(tp)
        self._unfinished.discard(tp)
        self._staged[tp] = (0, self._clock())
        self._metrics.published.inc(len(files))
        if files:
            log.info("published %d lake file(s) for %s", len(files), tp)

    def publish_all(self) -> None:
        """Publish every partition this process has staged (on shutdown)."""
        for tp in list(self._staged):
            self.publish(tp)
