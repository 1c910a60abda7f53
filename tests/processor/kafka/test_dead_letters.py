"""A dead letter too large for its topic is kept as a truncated copy, with headers saying so; each
dead letter's key is its source triple."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from common.kafka import KafkaConfig
from processor.events.parse import Reject
from processor.kafka.dead_letters import OVERHEAD, DeadLetters, fit
from processor.records import TopicPartition

from ...helpers import consume_all

HEADERS = [("dlq.reason", b"JSON is malformed"), ("dlq.category", b"not_json")]


def test_a_dead_letter_that_fits_is_kept_whole() -> None:
    value = b"x" * 1000
    assert fit(value, HEADERS, 1_048_588) == (value, HEADERS)
    assert fit(None, HEADERS, 100) == (None, HEADERS)


def test_a_dead_letter_too_large_is_truncated_to_fit_with_its_size_and_digest() -> None:
    value = bytes(range(256)) * 6000  # 1.5 MB
    kept, headers = fit(value, HEADERS, 1_048_588)
    assert kept is not None and value.startswith(kept)
    assert len(kept) + sum(len(k) + len(v) for k, v in headers) + OVERHEAD <= 1_048_588
    extra = dict(headers[len(HEADERS):])
    assert extra == {"dlq.truncated": b"true", "dlq.original.bytes": str(len(value)).encode(),
                     "dlq.original.sha256": hashlib.sha256(value).hexdigest().encode()}


@pytest.mark.integration
def test_each_dead_letter_read_back_from_the_broker_is_keyed_by_its_source_topic_partition_and_offset(
        kafka_brokers: str, new_topic: Callable[..., str]) -> None:
    dlq = new_topic(2, prefix="dlq")
    letters = DeadLetters(kafka=KafkaConfig(kafka_brokers), dlq_topic=dlq, max_bytes=1_048_588)
    letters.produce(TopicPartition("devices", 3), [Reject(17, b"not json", "JSON is malformed", "not_json"),
                                                  Reject(40, None, "no value", "empty")])
    letters.produce(TopicPartition("devices", 0), [Reject(17, b"[1]", "not an object", "not_object")])
    letters.flush()
    letters.close()
    got = {m.key(): (m.value(), dict(m.headers() or [])["dlq.source.offset"]) for m in consume_all(kafka_brokers, dlq)}
    assert got == {b"devices/3/17": (b"not json", b"17"), b"devices/3/40": (None, b"40"),
                   b"devices/0/17": (b"[1]", b"17")}
