"""When to move a partition's staged events into the lake: size, age, first sight, idle, shutdown.

``note`` (each checkpoint, on the apply worker) counts the committed rows and wakes the publisher
thread, whose ``tick`` publishes what is due: a checkpoint never waits for a publish (a lake file of
``LAKE_FLUSH_SECONDS`` of events took the apply worker up to seconds, and every checkpoint queued behind
it). ``tick`` also runs on a timer, so an idle topic's staged events still reach the lake, also after a
restart. ``after_commit`` is ``note`` then the publish on the caller's thread. Files per hour and partition stay
bounded: about ``3600 / flush_seconds`` on-time files, plus one per publish that carried late events
into an old hour. A lake that cannot be written (read-only, full) or a PostgreSQL outage leaves
the staged files where they are: one log line, readiness false, retries with backoff, no loss.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable

from common.errors import LakeUnavailable, Unavailable
from common.retry import Backoff

from ..metrics import Metrics
from ..records import TopicPartition

log = logging.getLogger(__name__)
NOT_TRIED = "not published: the shutdown publish was cut short (a second stop signal, or out of time)"


class PublishSchedule:
    """Tracks staged rows and age per partition and calls ``publish`` for those that are due."""

    def __init__(self, *, publish: Callable[[TopicPartition], list[str]], metrics: Metrics, flush_rows: int,
                 flush_seconds: float, staged: Callable[[], list[TopicPartition]] = list,
                 retry_max_seconds: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._publish, self._metrics, self._clock, self._on_disk = publish, metrics, clock, staged
        self._flush_rows, self._flush_seconds = flush_rows, flush_seconds
        # rows committed since the last publish, and clock() of that publish (of first sight before one)
        self._staged: dict[TopicPartition, tuple[int, float]] = {}
        self._pending: set[TopicPartition] = set()  # a publish failed: retried once ``_retry_at`` passes
        self._retry_at: float | None = None
        self._failed_at: dict[TopicPartition, float] = {}  # clock() of a partition's last failed publish
        self._backoff = Backoff(retry_max_seconds)
        self._lock = threading.Lock()  # one publishing round at a time: the publisher thread, the shutdown
        self._book = threading.Lock()  # ``_staged`` and ``_wanted``: held for a count, never across a publish
        self._wanted: set[TopicPartition] = set()  # made due by a commit: the next ``tick`` publishes them
        self._wake = threading.Event()  # set when ``_wanted`` gains a partition

    def note(self, rows: dict[TopicPartition, int]) -> None:
        """Account for newly committed rows; partitions due (or new to us) are left to the next ``tick``,
        and whoever waits in ``wait`` is woken. Never waits for a publish in progress."""
        with self._book:
            now = self._clock()
            for tp, n in rows.items():
                first_sight = tp not in self._staged  # finish what an earlier owner left staged too
                staged, since = self._staged.get(tp, (0, now))
                self._staged[tp] = (staged + n, since)
                if first_sight or staged + n >= self._flush_rows or now - since >= self._flush_seconds:
                    self._wanted.add(tp)
            if self._wanted:
                self._wake.set()

    def after_commit(self, rows: dict[TopicPartition, int]) -> None:
        """``note``, then publish the partitions that are due on this thread."""
        self.note(rows)
        with self._lock:
            self._round(self._take_wanted())

    def wait(self, timeout: float) -> None:
        """Until a commit has made a partition due (``note``), or ``wake``, or ``timeout`` seconds."""
        self._wake.wait(timeout)

    def wake(self) -> None:
        self._wake.set()

    def _take_wanted(self) -> set[TopicPartition]:
        with self._book:
            self._wake.clear()
            wanted, self._wanted = self._wanted, set()
            return wanted

    def tick(self) -> None:
        """Publish what a commit made due, what is due by age, what is staged on disk but new to us, and
        retry failed publishes."""
        with self._lock:
            now = self._clock()
            if self._retry_at is not None and now < self._retry_at:
                self._wake.clear()  # what is wanted waits for the outage's retry, as the pending do
                return
            due = self._take_wanted()
            with self._book:
                due |= {tp for tp, (rows, since) in self._staged.items() if rows and now - since >= self._flush_seconds}
            try:
                new = {tp for tp in self._on_disk() if tp not in self._staged}
            except (Unavailable, OSError) as e:
                log.debug("cannot list staged partitions now (%s); next tick", e)
                new = set()
            self._round(due | self._pending | new)

    def publish_all(self, *, within: float = 0.0, sleep: Callable[[float], None] = time.sleep) -> dict[TopicPartition, str]:
        """On shutdown: publish every partition this process has staged, each on its own (one that
        fails never keeps the others from the lake), and retry the failed ones with backoff for up to
        ``within`` seconds. A ``KeyboardInterrupt`` (the service turns a second SIGTERM/SIGINT into one)
        ends it at once. Returns what could not be published: each partition's last error."""
        with self._lock:
            with self._book:
                left = dict.fromkeys(sorted(self._staged), NOT_TRIED)  # pending and wanted ones are staged too
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
        except Unavailable as e:
            return str(e)
        except Exception as e:  # a bug met by one partition leaves the others their chance (logged, reported)
            log.exception("publishing %s failed unexpectedly", tp)
            return f"{type(e).__name__}: {e}"

    def _round(self, due: Iterable[TopicPartition]) -> None:
        """Publish each partition of ``due``, the one that failed last going last (a partition that
        keeps failing never starves the others); unless an outage is being waited out. The first
        failure ends the round: the rest stay pending, retried with backoff."""
        now = self._clock()
        with self._book:
            for tp in due:
                self._staged.setdefault(tp, (0, now))
        if self._retry_at is not None and now < self._retry_at:
            self._pending.update(due)
            return
        order = sorted(due, key=lambda tp: (self._failed_at.get(tp, -math.inf), tp))
        for n, tp in enumerate(order):
            try:
                self._publish_now(tp)
            except Exception as e:  # noqa: BLE001 - an outage, or a bug met by one partition: _failed logs it
                self._failed(tp, e)
                self._pending.update(order[n:])
                return
        if self._retry_at is not None:
            log.info("lake writable again: publishing the staged events")
            self._retry_at = None
            self._backoff.reset()
            self._metrics.set_ready(True, part="lake")

    def _failed(self, tp: TopicPartition, e: Exception) -> None:
        self._failed_at[tp] = self._clock()
        if self._retry_at is None:
            if isinstance(e, Unavailable):
                what = "lake not writable" if isinstance(e, LakeUnavailable) else "publishing waits for PostgreSQL"
                log.error("%s: %s; staged events are kept and published once it is back (retrying with backoff)",
                          what, e)
            else:
                log.exception("publishing %s failed unexpectedly; staged events are kept (retrying with backoff)", tp)
        self._metrics.set_ready(False, part="lake")
        self._retry_at = self._clock() + self._backoff.next()

    def _publish_now(self, tp: TopicPartition) -> None:
        with self._book:
            counted = self._staged.get(tp, (0, 0.0))[0]
        files = self._publish(tp)
        with self._book:  # rows committed meanwhile count towards the next publish
            self._staged[tp] = (max(self._staged.get(tp, (0, 0.0))[0] - counted, 0), self._clock())
        self._pending.discard(tp)
        self._failed_at.pop(tp, None)
        self._metrics.published.inc(len(files))
        if files:
            log.info("published %d lake file(s) for %s", len(files), tp)
