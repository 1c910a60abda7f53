"""The Quix sink: buffers raw values per partition and applies each checkpoint on a worker thread.

It is given each batch of fetched messages at once (``take``, from ``batches.step``); per message it only
appends the value and offset to two lists (refusing an offset at or below the last one:
``records.PartitionBatch``'s order) and counts the value's bytes and the messages. At Quix's checkpoint
(time, ``COMMIT_EVERY`` messages, or ``COMMIT_BYTES`` of buffered values: ``full``), ``flush`` waits for
the previous checkpoint's batch (applied on the worker while Quix kept consuming), then hands over the
new one: JSON parsing, Parquet and PostgreSQL work (which mostly release the GIL) overlap with the
consume loop. Kafka's
committed offset may therefore run one checkpoint ahead of PostgreSQL; that is safe because
PostgreSQL's offsets are the truth: every assignment starts there (``application.ResumingApplication``).
After a failed batch the sink refuses everything until the application is rebuilt (``ReplayRequired``),
so nothing is ever applied past a gap; the application looks at ``failed`` after every step, so a failure
is acted on at once even when no message follows it (Quix flushes a sink only at a non-empty checkpoint).
``failed`` and ``applying`` are plain attributes the worker sets as a batch ends: what the main loop reads
per step never takes a lock.
Partitions revoked or lost are dropped from the buffers (``drop``): what was read of them is read again by their next owner.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from quixstreams.sinks import BaseSink

from common.errors import ReplayRequired, Unavailable

from ..metrics import Metrics
from ..records import Checkpoint, Fetched, Message, OffsetsOutOfOrder, PartitionBatch, TopicPartition

log = logging.getLogger(__name__)


class SpeedLayerSink(BaseSink):
    """Lake + 5-minute totals, exactly once, for every partition this process is assigned."""

    def __init__(self, apply: Callable[[Checkpoint], None], metrics: Metrics, max_bytes: int = 0) -> None:
        super().__init__()
        self._apply, self.metrics = apply, metrics
        self._buffers: Checkpoint = {}
        self._bytes, self._max_bytes = 0, max_bytes or float("inf")
        self.messages = 0  # taken since the last checkpoint (``COMMIT_EVERY``: the batch step compares)
        self.full = False  # the buffered values passed ``max_bytes``: time for a checkpoint
        self.flushed_at = float("-inf")  # time.monotonic() of the last checkpoint that had messages
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="apply")
        self._pending: Future[None] | None = None
        self._failure: Exception | None = None
        # A batch handed to the worker has failed: ``settle`` raises at once, even on a quiet topic where no
        # further checkpoint would come to notice it. A plain attribute, set by the worker as the batch ends:
        # the application reads it after every poll (a ``Future``'s state is two lock round trips).
        self.failed = False
        self.applying = False  # the last checkpoint's batch is being applied (a flush now would wait for it)
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
        """Quix's per-message entry (unused by the batch step, ``batches.py``): one message through ``take``."""
        self.take([Fetched(topic, partition, offset, value)])

    def take(self, messages: Sequence[Message], start: int = 0) -> tuple[dict[tuple[str, int], int], int]:
        """Buffer ``messages[start:]`` up to the first error: each partition's first offset taken, and where it stopped.

        The one place a batch is filled: per message two appends, a rewind refused (``OffsetsOutOfOrder``)."""
        buffers, taken, stop = self._buffers, 0, len(messages)
        firsts: dict[tuple[str, int], int] = {}
        run: tuple[str, int] | None = None
        offsets: list[int] = []
        values: list[bytes | None] = []
        last = -1
        for i in range(start, stop):
            message = messages[i]
            if message.error() is not None:
                stop = i
                break
            tp, offset = (message.topic(), message.partition()), message.offset()
            if tp != run:  # librdkafka returns each partition's messages in runs
                run, buffer = tp, buffers.get(tp)  # type: ignore[call-overload]  # equal to its TopicPartition
                if buffer is None:
                    buffer = buffers[TopicPartition(*tp)] = PartitionBatch()
                offsets, values = buffer.offsets, buffer.values
                last = offsets[-1] if offsets else -1
                firsts.setdefault(tp, offset)
            if offset <= last:
                raise OffsetsOutOfOrder(f"offset {offset} came after {last} in one checkpoint")
            last = offset
            offsets.append(offset)
            value = message.value()
            values.append(value)
            if value is not None:
                taken += len(value)
        self.messages += stop - start
        self._bytes += taken
        if self._bytes >= self._max_bytes:
            self.full = True
        return firsts, stop

    @property
    def buffered(self) -> bool:
        """Messages were read since the last checkpoint (``cadence.Cadence`` may close it early)."""
        return bool(self._buffers)

    def drop(self, partitions: Iterable[TopicPartition]) -> None:
        """Forget what was read of ``partitions`` (revoked or lost): their next owner reads it again."""
        for tp in partitions:
            buffer = self._buffers.pop(tp, None)
            if buffer is not None:
                log.info("%s: %d messages read since the last checkpoint dropped (read again by its next owner)",
                         tp, len(buffer.offsets))
                self._bytes -= sum(len(v) for v in buffer.values if v is not None)
                self.messages -= len(buffer.offsets)
        self.full = self._bytes >= self._max_bytes

    def flush(self) -> None:
        with self._flushing:
            batches, self._buffers = self._buffers, {}
            self.flushed_at = time.monotonic()
            self._bytes, self.full, self.messages = 0, False, 0
            self.settle()
            if batches:
                self.applying = True
                self._pending = self._worker.submit(self._apply, batches)
                self._pending.add_done_callback(self._done)

    def _done(self, applied: Future[None]) -> None:
        """On the worker, as a batch ends (or at once if it already has)."""
        if applied.exception() is not None:
            self.failed = True
        if applied is self._pending:  # not a batch ``settle`` already waited for, a newer one in flight
            self.applying = False

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
            finally:
                self.applying = False  # done, whatever the worker's callback (``_done``) has done yet
        if self._failure is not None:
            raise ReplayRequired(f"{self._failure}; resuming from PostgreSQL's offsets") from self._failure

    def on_paused(self) -> None:
        self._buffers.clear()
        self._bytes, self.full, self.messages = 0, False, 0

    def close(self) -> None:
        self._worker.shutdown(wait=True)
