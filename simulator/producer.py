"""Producing encoded events to Kafka with delivery checks, an optional rate and progress lines."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from confluent_kafka import KafkaError, KafkaException, Producer

from common.errors import BrokerUnavailable
from common.kafka import KafkaConfig

log = logging.getLogger(__name__)


@dataclass
class ProduceStats:
    sent: int = 0
    failed: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def seconds(self) -> float:
        return max(time.monotonic() - self.started, 1e-9)

    @property
    def rate(self) -> float:
        return self.sent / self.seconds


class EventProducer:
    """Sends (key, value) messages and fails loudly if any is not delivered.

    The key is the event's user id: the partitioner (murmur2, as Kafka's Java clients hash keys)
    keeps each user on one partition, so a user's events are read in the order they were sent, and
    spreads the users over the partitions whatever the timing (unkeyed messages went wherever
    librdkafka's sticky partitioner put a burst: sometimes all of it on one partition).
    """

    def __init__(self, *, kafka: KafkaConfig, topic: str, rate: float | None = None,
                 progress_every: float = 2.0) -> None:
        self._topic = topic
        self._rate = rate
        self._progress_every = progress_every
        self.stats = ProduceStats()
        self._last_progress = self.stats.started
        self._errors: list[str] = []
        self._producer = Producer({
            **kafka.client_config(), "acks": "all", "enable.idempotence": True,
            "linger.ms": 20, "batch.size": 1_000_000, "compression.type": "lz4",
            "queue.buffering.max.messages": 1_000_000, "queue.buffering.max.kbytes": 1_048_576,
            "partitioner": "murmur2_random",
            "delivery.report.only.error": True, "on_delivery": self._on_delivery,
            "message.timeout.ms": 60_000,
        })

    def _on_delivery(self, err: KafkaError | None, _msg: object) -> None:
        if err is not None:
            self.stats.failed += 1
            if len(self._errors) < 5:
                self._errors.append(str(err))

    def send(self, messages: Iterable[tuple[bytes, bytes]]) -> None:
        """Queue (key, value) messages; waits for room in the local queue and keeps to the target rate."""
        produce, topic = self._producer.produce, self._topic
        for key, value in messages:
            try:
                produce(topic, value, key)
            except BufferError:
                self._producer.poll(0.05)
                produce(topic, value, key)
            self.stats.sent += 1
        self._producer.poll(0)
        self._pace()

    def _pace(self) -> None:
        now = time.monotonic()
        if self._rate:
            ahead = self.stats.sent / self._rate - (now - self.stats.started)
            if ahead > 0:
                self._producer.poll(ahead)
        if now - self._last_progress >= self._progress_every:
            self._last_progress = now
            log.info("sent %d events (%.0f events/s)", self.stats.sent, self.stats.rate)

    def close(self, timeout: float = 60.0) -> ProduceStats:
        """Wait for every message to be acknowledged; raise if any was not."""
        try:
            left = self._producer.flush(timeout)
        except KafkaException as e:
            raise BrokerUnavailable(f"producing to {self._topic} failed: {e}") from e
        if left or self.stats.failed:
            raise BrokerUnavailable(
                f"{self.stats.failed + left} of {self.stats.sent} events were not delivered to "
                f"{self._topic}: {'; '.join(self._errors) or 'timed out'}")
        return self.stats
