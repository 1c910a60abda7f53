"""The Quix sink: buffers raw values per partition and applies each checkpoint on a worker thread.

Per message it only appends the value and offset to two lists (``records.PartitionBatch`` refuses an
offset at or below the last one) and counts the value's bytes. At Quix's checkpoint (time, count, or
``COMMIT_BYTES`` of buffered values: ``full``), ``flush`` waits for the previous checkpoint's batch
(applied on the worker while Quix kept consuming), then hands over the new one: JSON parsing, Parquet
and PostgreSQL work (which mostly release the GIL) overlap with Quix's per-message loop. Kafka's
committed offset may therefore run one checkpoint ahead of PostgreSQL; that is safe because
PostgreSQL's offsets are the truth: every assignment starts there (``application.ResumingApplication``).
After a failed batch the sink refuses everything until the application is rebuilt (``ReplayRequired``),
so nothing is ever applied past a gap; the application looks at ``failed`` after every poll, so a failure
is acted on at once even when no message follows it (Quix flushes a sink only at a non-empty checkpoint).
Partitions revoked or lost are dropped from the buffers (``drop``): what was read of them is read again by their next owner.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from quixstreams.sinks import BaseSink

from common.errors import ReplayRequired, Unavailable

from ..metrics import Metrics
from ..records import Checkpoint, PartitionBatch, TopicPartition

log = logging.getLogger(__name__)


class SpeedLayerSink(BaseSink):
    """Lake + 5-minute totals, exactly once, for every partition this process is assigned."""

    def __init__(self, apply: Callable[[Checkpoint], None], metrics: Metrics, max_bytes: int = 0) -> None:
        super().__init__()
        self._apply, self.metrics = apply, metrics
        self._buffers: Checkpoint = {}
        self._bytes, self._max_bytes = 0, max_bytes or float("inf")
        self.full = False  # the buffered values passed ``max_bytes``: time for a checkpoint
        self.flushed_at = float("-inf")  # time.monotonic() of the last checkpoint that had messages
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="apply")
        self._pending: Future[None] | None = None
        self._failure: Exception | None = None
        self._flushing = threading.Lock()  # Quix may flush from a thread of its own on a revoke

    @classmethod
    def factory(cls, apply: Callable[[Checkpoint], None], metrics: Metrics,
                max_bytes: int = 0) -> Callable[[], SpeedLayerSink]:
        """A fresh sink per application run (a failed sink refuses everything until replaced)."""
        return lambda: cls(apply, metrics, max_bytes)

    def setup(self) -> None:
        self.metrics.set_ready(True)

    def add(self, value: Any, key: Any, timestamp: int, headers: Any, topic: str,
            partition: int, offset: int) -> None:
        buffer = self._buffers.get((topic, partition))  # type: ignore[call-overload]  # equal to its TopicPartition
        if buffer is None:
            buffer = self._buffers[TopicPartition(topic, partition)] = PartitionBatch()
        buffer.append(value, offset)
        if value is not None:
            self._bytes += len(value)
            if self._bytes >= self._max_bytes:
                self.full = True

    @property
    def buffered(self) -> bool:
        """Messages were read since the last checkpoint (``cadence.Cadence`` may close it early)."""
        return bool(self._buffers)

    @property
    def applying(self) -> bool:
        """The last checkpoint's batch is still being applied on the worker (a flush now would wait for it)."""
        return self._pending is not None and not self._pending.done()

    def drop(self, partitions: Iterable[TopicPartition]) -> None:
        """Forget what was read of ``partitions`` (revoked or lost): their next owner reads it again."""
        for tp in partitions:
            buffer = self._buffers.pop(tp, None)
            if buffer is not None:
                log.info("%s: %d messages read since the last checkpoint dropped (read again by its next owner)",
                         tp, len(buffer.offsets))
                self._bytes -= sum(len(v) for v in buffer.values if v is not None)
        self.full = self._bytes >= self._max_bytes

    def flush(self) -> None:
        with self._flushing:
            batches, self._buffers = self._buffers, {}
            self.flushed_at = time.monotonic()
            self._bytes, self.full = 0, False
            self.settle()
            if batches:
                self._pending = self._worker.submit(self._apply, batches)

    @property
    def failed(self) -> bool:
        """The batch handed to the worker has failed: ``settle`` raises at once, even on a quiet topic
        where no further checkpoint would come to notice it."""
        pending = self._pending
        return self._failure is not None or (pending is not None and pending.done()
                                             and pending.exception() is not None)

    def settle(self) -> None:
        """Wait for the batch in flight; raise ``ReplayRequired`` if it (or an earlier one) failed."""
        pending, self._pending = self._pending, None
        if pending is not None:
            try:
                pending.result()
                self.metrics.set_ready(True)
            except Unavailable as e:
                self._failure = e
                self.metrics.set_ready(False)
                self.metrics.retries.inc()
        if self._failure is not None:
            raise ReplayRequired(f"{self._failure}; resuming from PostgreSQL's offsets") from self._failure

    def on_paused(self) -> None:
        self._buffers.clear()
        self._bytes, self.full = 0, False

    def close(self) -> None:
        self._worker.shutdown(wait=True)
