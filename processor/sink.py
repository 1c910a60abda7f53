"""The Quix sink: buffers raw values per partition, hands each partition's batch to the writer.

Per message it only appends the value and offset to two lists; everything else happens once per
batch at Quix's checkpoint. An outage becomes ``SinkBackpressureError``: Quix pauses, seeks back
to the last commit and replays, and the writer skips what was already applied.
"""

from __future__ import annotations

import logging
from typing import Any

from quixstreams.sinks import BaseSink, SinkBackpressureError

from common.errors import BrokerUnavailable, DatabaseUnavailable

from .metrics import Metrics
from .writer import CheckpointWriter

log = logging.getLogger(__name__)


class Backoff:
    """Exponential delays: 0.5 s doubling up to ``maximum``, reset by a success."""

    def __init__(self, maximum: float) -> None:
        self.maximum, self._next = maximum, 0.5

    def next(self) -> float:
        delay, self._next = self._next, min(self._next * 2, self.maximum)
        return delay

    def reset(self) -> None:
        self._next = 0.5


class SpeedLayerSink(BaseSink):
    """Lake + 5-minute totals, exactly once, for every partition this process is assigned."""

    def __init__(self, writer: CheckpointWriter, metrics: Metrics, backoff: Backoff) -> None:
        super().__init__()
        self._writer, self._metrics, self._backoff = writer, metrics, backoff
        self._buffers: dict[tuple[str, int], tuple[list[bytes | None], list[int]]] = {}

    def setup(self) -> None:
        self._metrics.set_ready(True)

    def add(self, value: Any, key: Any, timestamp: int, headers: Any, topic: str,
            partition: int, offset: int) -> None:
        buffer = self._buffers.get((topic, partition))
        if buffer is None:
            buffer = self._buffers[(topic, partition)] = ([], [])
        buffer[0].append(value)
        buffer[1].append(offset)

    def flush(self) -> None:
        try:
            if self._buffers:
                self._writer.write(self._buffers)
        except (DatabaseUnavailable, BrokerUnavailable) as e:
            delay = self._backoff.next()
            self._metrics.set_ready(False)
            self._metrics.retries.inc()
            log.warning("%s; pausing %.1fs, then replaying from the last commit", e, delay)
            raise SinkBackpressureError(retry_after=delay) from e
        finally:
            self._buffers.clear()
        self._backoff.reset()
        self._metrics.set_ready(True)

    def on_paused(self) -> None:
        self._buffers.clear()
