"""The simulator against a real Kafka broker."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable

from ..helpers import consume_all, run_module

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
    assert {e["timestamp"] // 3600 * 3600 for e in events} == {1667048400, 1667052000}


def test_each_event_is_keyed_by_its_user_so_a_users_events_stay_in_order_on_one_partition(
        kafka_brokers: str, new_topic: Callable[..., str]) -> None:
    topic = new_topic(4)
    result = run_module("simulator", "course", "--start", "2022-10-29T13:00", "--minutes", "30",
                        env={"KAFKA_BROKERS": kafka_brokers, "KAFKA_TOPIC": topic})
    assert result.returncode == 0, result.stderr
    seen: dict[bytes | None, list[tuple[int, int, int]]] = defaultdict(list)
    for m in consume_all(kafka_brokers, topic):
        event = json.loads(m.value())
        assert m.key() == event["id"].encode()
        seen[m.key()].append((m.partition(), m.offset(), event["timestamp"]))
    assert len(seen) == 20 and sum(map(len, seen.values())) == 600
    for user, placed in seen.items():
        assert len({partition for partition, _, _ in placed}) == 1, user
        in_offset_order = [timestamp for _, _, timestamp in sorted(placed)]
        assert in_offset_order == sorted(in_offset_order), user
    assert len({partition for placed in seen.values() for partition, _, _ in placed}) > 1  # the users share the partitions


def test_load_mode_sends_the_requested_count_and_prints_its_rate(kafka_brokers: str, new_topic: Callable[..., str]) -> None:
    topic = new_topic(2)
    result = run_module("simulator", "load", "--events", "20000", "--users", "100",
                        env={"KAFKA_BROKERS": kafka_brokers, "KAFKA_TOPIC": topic})
    assert result.returncode == 0, result.stderr
    assert "events=20000" in result.stdout and "eps=" in result.stdout
    messages = consume_all(kafka_brokers, topic)
    events = [json.loads(m.value()) for m in messages]
    assert len(events) == 20000
    assert all(m.key() == e["id"].encode() for m, e in zip(messages, events, strict=True))
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
