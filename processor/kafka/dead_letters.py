"""The dead-letter topic: rejected messages with their original bytes and why, never lost.

Each batch's rejects are produced and flushed before the batch's offsets are committed, so a crash
may repeat a dead letter but never lose one.
"""

from __future__ import annotations

import logging

from confluent_kafka import KafkaError, Producer

from common.errors import BrokerUnavailable
from common.kafka import KafkaConfig

from ..events.parse import Reject
from ..records import TopicPartition

log = logging.getLogger(__name__)
MAX_LOGGED = 5  # per batch; the rest are counted in the metrics


class DeadLetters:
    """Producer of ``dlq_topic`` with headers ``dlq.reason``, ``dlq.category`` and the source."""

    def __init__(self, *, kafka: KafkaConfig, dlq_topic: str, timeout: float = 30.0) -> None:
        self.topic = dlq_topic
        self._timeout = timeout
        self._failures: list[str] = []
        self._producer = Producer({**kafka.client_config(), "acks": "all",
                                   "enable.idempotence": True, "linger.ms": 5,
                                   "message.timeout.ms": int(timeout * 1000)})

    def _on_delivery(self, err: KafkaError | None, _msg: object) -> None:
        if err is not None:
            self._failures.append(str(err))

    def produce(self, source: TopicPartition, rejects: list[Reject]) -> None:
        """Queue every reject; ``flush`` waits for their acknowledgement."""
        for n, r in enumerate(rejects):
            if n < MAX_LOGGED:
                log.warning("dead-lettered %s@%d: %s", source, r.offset, r.reason)
            self._producer.produce(self.topic, value=r.value, on_delivery=self._on_delivery, headers=[
                ("dlq.reason", r.reason.encode()), ("dlq.category", r.category.encode()),
                ("dlq.source.topic", source.topic.encode()),
                ("dlq.source.partition", str(source.partition).encode()),
                ("dlq.source.offset", str(r.offset).encode()),
            ])
            self._producer.poll(0)

    def flush(self) -> None:
        """Wait until every queued dead letter is acknowledged, or raise ``BrokerUnavailable``."""
        left = self._producer.flush(self._timeout)
        failures, self._failures = self._failures, []
        if left or failures:
            raise BrokerUnavailable(f"dead-letter topic {self.topic}: {left} undelivered, "
                                    f"{len(failures)} failed ({'; '.join(failures[:3])})")

    def close(self) -> None:
        self._producer.flush(self._timeout)
