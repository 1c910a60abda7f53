"""When to move a partition's staged events into the lake: size, age, first sight, idle, shutdown.

``after_commit`` (each checkpoint) and ``tick`` (a timer, so an idle topic's staged events still
reach the lake, also after a restart) publish what is due. Files per hour and partition stay
bounded: about ``3600 / flush_seconds`` on-time files, plus one per publish that carried late events
into an old hour. A lake that cannot be written (read-only, full) or a PostgreSQL outage leaves
the staged files where they are: one log line, readiness false, retries with backoff, no loss.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from common.errors import DatabaseUnavailable, LakeUnavailable

from ..metrics import Metrics
from ..records import TopicPartition
from ..retry import Backoff

log = logging.getLogger(__name__)
NOT_TRIED = "not tried: the shutdown publish was interrupted first"


class PublishSchedule:
    """Tracks staged rows and age per partition and calls ``publish`` for those that are due."""

    def __init__(self, *, publish: Callable[[TopicPartition], list[str]], metrics: Metrics, flush_rows: int,
                 flush_seconds: float, staged: Callable[[], list[TopicPartition]] = list,
                 retry_max_seconds: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._publish, self._metrics, self._clock, self._on_disk = publish, metrics, clock, staged
        self._flush_rows, self._flush_seconds = flush_rows, flush_seconds
        self._staged: dict[TopicPartition, tuple[int, float]] = {}  # rows, clock() of the first
        self._pending: set[TopicPartition] = set()  # a publish failed: retried once ``_retry_at`` passes
        self._retry_at: float | None = None
        self._backoff = Backoff(retry_max_seconds)
        self._lock = threading.Lock()  # the checkpoint thread and the timer

    def after_commit(self, rows: dict[TopicPartition, int]) -> None:
        """Account for newly committed rows; publish partitions that are due (or new to us)."""
        with self._lock:
            now = self._clock()
            for tp, n in rows.items():
                if tp not in self._staged:  # first sight: finish what an earlier owner left staged
                    self._try(tp)
                staged, since = self._staged[tp]
                self._staged[tp] = (staged + n, since)
                if staged + n >= self._flush_rows or now - since >= self._flush_seconds:
                    self._try(tp)

    def tick(self) -> None:
        """Publish what is due by age, what is staged on disk but new to us, and retry failed publishes."""
        with self._lock:
            now = self._clock()
            if self._retry_at is not None and now < self._retry_at:
                return
            due = {tp for tp, (rows, since) in self._staged.items() if rows and now - since >= self._flush_seconds}
            try:
                new = {tp for tp in self._on_disk() if tp not in self._staged}
            except (LakeUnavailable, DatabaseUnavailable, OSError) as e:
                log.debug("cannot list staged partitions now (%s); next tick", e)
                new = set()
            for tp in sorted(due | self._pending | new):
                self._try(tp)

    def publish_all(self, *, within: float = 0.0, sleep: Callable[[float], None] = time.sleep) -> dict[TopicPartition, str]:
        """On shutdown: publish every partition this process has staged, each on its own (one that
        fails never keeps the others from the lake), and retry the failed ones with backoff for up to
        ``within`` seconds. A ``KeyboardInterrupt`` (the service turns a second SIGTERM/SIGINT into one)
        ends it at once. Returns what could not be published: each partition's last error."""
        with self._lock:
            left = dict.fromkeys(sorted(self._staged), NOT_TRIED)  # pending partitions are staged too
            deadline, backoff = self._clock() + within, Backoff(self._backoff.maximum)
            try:
                while left:
                    for tp in list(left):
                        left[tp] = self._publish_or_why(tp)
                        if not left[tp]:
                            del left[tp]
                    delay = backoff.next()
                    if not left or self._clock() + delay > deadline:
                        break
                    sleep(delay)
            except KeyboardInterrupt:
                log.warning("shutdown publish interrupted")
            return left

    def _publish_or_why(self, tp: TopicPartition) -> str:
        """Publish ``tp`` now; why it failed, or "" once published."""
        try:
            self._publish_now(tp)
            return ""
        except (LakeUnavailable, DatabaseUnavailable) as e:
            return str(e)
        except Exception as e:  # a bug met by one partition leaves the others their chance (logged, reported)
            log.exception("publishing %s failed unexpectedly", tp)
            return f"{type(e).__name__}: {e}"

    def _try(self, tp: TopicPartition) -> None:
        """Publish ``tp`` unless an outage is being waited out; a failure leaves it pending."""
        self._staged.setdefault(tp, (0, self._clock()))
        if self._retry_at is not None and self._clock() < self._retry_at:
            self._pending.add(tp)
            return
        try:
            self._publish_now(tp)
        except (LakeUnavailable, DatabaseUnavailable) as e:
            if self._retry_at is None:
                what = "lake not writable" if isinstance(e, LakeUnavailable) else "publishing waits for PostgreSQL"
                log.error("%s: %s; staged events are kept and published once it is back (retrying with backoff)",
                          what, e)
            self._metrics.set_ready(False, part="lake")
            self._pending.add(tp)
            self._retry_at = self._clock() + self._backoff.next()

    def _publish_now(self, tp: TopicPartition) -> None:
        files = self._publish(tp)
        self._staged[tp] = (0, self._clock())
        self._pending.discard(tp)
        if self._retry_at is not None:
            log.info("lake writable again: publishing the staged events")
            self._retry_at = None
            self._backoff.reset()
            self._metrics.set_ready(True, part="lake")
        self._metrics.published.inc(len(files))
        if files:
            log.info("published %d lake file(s) for %s", len(files), tp)
