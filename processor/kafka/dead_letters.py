"""The dead-letter topic: rejected messages with their original bytes and why, never lost.

Each batch's rejects are produced and flushed before the batch's offsets are committed, so a crash
may repeat a dead letter but never lose one. A message too large for the topic is recorded as a
truncated copy with headers saying so (``dlq.truncated``, ``dlq.original.bytes``,
``dlq.original.sha256``): a dead letter is never refused for its size. Its key is its source
(``dead_letter_key``), so a repeated dead letter has the same key and lands on the same partition.
"""

from __future__ import annotations

import hashlib
import logging
import time

from confluent_kafka import KafkaError, Producer

from common.errors import BrokerUnavailable
from common.kafka import KafkaConfig

from ..events.parse import Reject
from ..records import TopicPartition

log = logging.getLogger(__name__)
MAX_LOGGED = 5  # per batch; the rest are counted in the metrics
OVERHEAD = 1024  # record batch and record framing, with room to spare
Headers = list[tuple[str, bytes]]


def fit(value: bytes | None, headers: Headers, limit: int) -> tuple[bytes | None, Headers]:
    """``value`` and headers as they fit in a record of at most ``limit`` bytes (truncated if need be)."""
    size = sum(len(k) + len(v) for k, v in headers)
    if value is None or len(value) + size + OVERHEAD <= limit:
        return value, headers
    extra = [("dlq.truncated", b"true"), ("dlq.original.bytes", str(len(value)).encode()),
             ("dlq.original.sha256", hashlib.sha256(value).hexdigest().encode())]
    keep = max(0, limit - OVERHEAD - size - sum(len(k) + len(v) for k, v in extra))
    return value[:keep], headers + extra


def dead_letter_key(source: TopicPartition, offset: int) -> bytes:
    """``<topic>/<partition>/<offset>`` of the source message, ASCII (a topic name has no ``/``): the
    key a consumer of the dead-letter topic deduplicates on (a replay may send one again)."""
    return f"{source.topic}/{source.partition}/{offset}".encode()


class DeadLetters:
    """Producer of ``dlq_topic`` with headers ``dlq.reason``, ``dlq.category`` and the source."""

    def __init__(self, *, kafka: KafkaConfig, dlq_topic: str, max_bytes: int, timeout: float = 30.0) -> None:
        self.topic, self.max_bytes = dlq_topic, max_bytes
        self._timeout = timeout
        self._failures: list[str] = []
        self._producer = Producer({**kafka.client_config(), "acks": "all",
                                   "enable.idempotence": True, "linger.ms": 5,
                                   "message.max.bytes": max_bytes, "batch.size": max(1, max_bytes - OVERHEAD),
                                   "message.timeout.ms": int(timeout * 1000)})

    def _on_delivery(self, err: KafkaError | None, _msg: object) -> None:
        if err is not None:
            self._failures.append(str(err))

    def produce(self, source: TopicPartition, rejects: list[Reject]) -> None:
        """Queue every reject; ``flush`` waits for their acknowledgement."""
        for n, r in enumerate(rejects):
            if n < MAX_LOGGED:
                log.warning("dead-lettered %s@%d: %s", source, r.offset, r.reason[:500])
            key = dead_letter_key(source, r.offset)
            value, headers = fit(r.value, [
                ("dlq.reason", r.reason.encode()), ("dlq.category", r.category.encode()),
                ("dlq.source.topic", source.topic.encode()),
                ("dlq.source.partition", str(source.partition).encode()),
                ("dlq.source.offset", str(r.offset).encode()),
            ], self.max_bytes - len(key))
            self._send(key, value, headers)

    def _send(self, key: bytes, value: bytes | None, headers: Headers) -> None:
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                self._producer.produce(self.topic, key=key, value=value, headers=headers,
                                       on_delivery=self._on_delivery)
                self._producer.poll(0)
                return
            except BufferError as e:  # the local queue is full: let deliveries drain it
                if time.monotonic() > deadline:
                    raise BrokerUnavailable(f"dead-letter topic {self.topic}: producer queue full for "
                                            f"{self._timeout:g}s") from e
                self._producer.poll(0.5)

    def flush(self) -> None:
        """Wait until every queued dead letter is acknowledged, or raise ``BrokerUnavailable``."""
        left = self._producer.flush(self._timeout)
        failures, self._failures = self._failures, []
        if left or failures:
            raise BrokerUnavailable(f"dead-letter topic {self.topic}: {left} undelivered, "
                                    f"{len(failures)} failed ({'; '.join(failures[:3])})")

    def close(self) -> None:
        self._producer.flush(self._timeout)
