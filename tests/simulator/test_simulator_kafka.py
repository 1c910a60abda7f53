"""The simulator against a real Kafka broker."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from ..helpers import consume_all, run_module

pytestmark = pytest.mark.integration

KEYS = ["bytes", "timestamp", "app", "id", "antenna_id"]


def test_two_course_hours_put_2400_well_formed_events_on_the_topic(kafka_brokers: str, new_topic: Callable[..., str]) -> None:
    topic = new_topic(4)
    result = run_module("simulator", "course", "--start", "2022-10-29T13:00", "--hours", "2",
                        env={"KAFKA_BROKERS": kafka_brokers, "KAFKA_TOPIC": topic})
    assert result.returncode == 0, result.stderr
    assert "events=2400" in result.stdout
    messages = consume_all(kafka_brokers, topic)
    assert len(messages) == 2400
    events = [json.loads(m.value()) for m in messages]
    assert all(list(e) == KEYS for e in events)
    assert all(m.key() is None for m in messages)
    assert {e["timestamp"] // 3600 * 3600 for e in events} == {1667048400, 1667052000}
    assert len({m.partition() for m in messages}) > 1


def test_load_mode_sends_the_requested_count_and_prints_its_rate(kafka_brokers: str, new_topic: Callable[..., str]) -> None:
    topic = new_topic(2)
    result = run_module("simulator", "load", "--events", "20000", "--users", "100",
                        env={"KAFKA_BROKERS": kafka_brokers, "KAFKA_TOPIC": topic})
    assert result.returncode == 0, result.stderr
    assert "events=20000" in result.stdout and "eps=" in result.stdout
    events = [json.loads(m.value()) for m in consume_all(kafka_brokers, topic)]
    assert len(events) == 20000
    assert len({e["id"] for e in events}) == 100


def test_the_topic_is_created_with_the_requested_partitions(kafka_brokers: str) -> None:
    from common.kafka import admin
    from tests.services import unique

    topic = unique("created")
    result = run_module("simulator", "load", "--events", "10", "--partitions", "3",
                        env={"KAFKA_BROKERS": kafka_brokers, "KAFKA_TOPIC": topic})
    assert result.returncode == 0, result.stderr
    assert len(admin(kafka_brokers).list_topics(topic, timeout=10).topics[topic].partitions) == 3


def test_a_stopped_broker_is_one_error_line_and_a_nonzero_exit() -> None:
    result = run_module("simulator", "load", "--events", "10",
                        env={"KAFKA_BROKERS": "127.0.0.1:1", "KAFKA_TOPIC": "x"})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Kafka broker at 127.0.0.1:1 did not answer" in lines[0]
