"""The Quix sink: buffers raw values per partition and applies each checkpoint on a worker thread.

Per message it only appends the value and offset to two lists. At Quix's checkpoint, ``flush``
waits for the previous checkpoint's batch (applied on the worker while Quix kept consuming), then
hands over the new one: JSON parsing, Parquet and PostgreSQL work (which mostly release the GIL)
overlap with Quix's per-message loop. Kafka's committed offset may therefore run one checkpoint
ahead of PostgreSQL; that is safe because PostgreSQL's offsets are the truth: every assignment
starts there (``application.ResumingApplication``). After a failed batch the sink refuses everything
until the application is rebuilt (``ReplayRequired``), so nothing is ever applied past a gap.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from quixstreams.sinks import BaseSink

from common.errors import BrokerUnavailable, DatabaseUnavailable, LakeUnavailable, ReplayRequired

from ..metrics import Metrics
from ..records import Checkpoint, PartitionBatch, TopicPartition

log = logging.getLogger(__name__)


class SpeedLayerSink(BaseSink):
    """Lake + 5-minute totals, exactly once, for every partition this process is assigned."""

    def __init__(self, apply: Callable[[Checkpoint], None], metrics: Metrics) -> None:
        super().__init__()
        self._apply, self.metrics = apply, metrics
        self._buffers: Checkpoint = {}
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="apply")
        self._pending: Future[None] | None = None
        self._failure: Exception | None = None

    @classmethod
    def factory(cls, apply: Callable[[Checkpoint], None], metrics: Metrics) -> Callable[[], SpeedLayerSink]:
        """A fresh sink per application run (a failed sink refuses everything until replaced)."""
        return lambda: cls(apply, metrics)

    def setup(self) -> None:
        self.metrics.set_ready(True)

    def add(self, value: Any, key: Any, timestamp: int, headers: Any, topic: str,
            partition: int, offset: int) -> None:
        buffer = self._buffers.get((topic, partition))  # type: ignore[call-overload]  # equal to its TopicPartition
        if buffer is None:
            buffer = self._buffers[TopicPartition(topic, partition)] = PartitionBatch()
        buffer.append(value, offset)

    def flush(self) -> None:
        batches, self._buffers = self._buffers, {}
        self.settle()
        if batches:
            self._pending = self._worker.submit(self._apply, batches)

    def settle(self) -> None:
        """Wait for the batch in flight; raise ``ReplayRequired`` if it (or an earlier one) failed."""
        pending, self._pending = self._pending, None
        if pending is not None:
            try:
                pending.result()
                self.metrics.set_ready(True)
            except (DatabaseUnavailable, BrokerUnavailable, LakeUnavailable) as e:
                self._failure = e
                self.metrics.set_ready(False)
                self.metrics.retries.inc()
        if self._failure is not None:
            raise ReplayRequired(f"{self._failure}; resuming from PostgreSQL's offsets") from self._failure

    def on_paused(self) -> None:
        self._buffers.clear()

    def close(self) -> None:
        self._worker.shutdown(wait=True)
