"""Every hostile message of the contract, fed to a running processor: it keeps going, each one is a
dead letter with its category, and every valid event counts once."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable

import pytest

from common.kafka import end_offsets

from ..helpers import consume_all
from .harness import (
    PARTITIONS,
    Pipeline,
    ProcessorRun,
    database_totals,
    expected_lake,
    expected_totals,
    lake_events,
    make_events,
    produce,
    scrape_until,
    wait_caught_up,
)
from .hostile import TOPIC_MAX_BYTES, allow_large_messages, hostile_stream, message

pytestmark = pytest.mark.integration


def test_a_processor_fed_every_hostile_message_dead_letters_each_with_its_category_and_keeps_going(
        new_pipeline: Callable[[], Pipeline]) -> None:
    p = new_pipeline()
    allow_large_messages(p.brokers, p.topic)
    values, valid, malformed = hostile_stream(make_events(3000, seed=41), copies=1, seed=42)
    run = ProcessorRun(p.env, p.log).start()
    produce(p.brokers, p.topic, values, PARTITIONS, max_bytes=TOPIC_MAX_BYTES)
    wait_caught_up(p.url, p.topic, end_offsets(p.brokers, p.topic))
    metrics = scrape_until(run.metrics_port, *(f'processor_events_dead_lettered_total{{category="{category}"}} {count}.0'
                                              for category, count in Counter(c for _, c in malformed).items()))
    assert run.proc is not None and run.proc.poll() is None
    assert run.stop() == 0
    assert database_totals(p.url) == expected_totals(valid)
    assert lake_events(p.data) == expected_lake(valid)
    letters = consume_all(p.brokers, p.topic + "-dlq")
    sources = Counter((dict(m.headers() or [])["dlq.source.partition"], dict(m.headers() or [])["dlq.source.offset"])
                      for m in letters)
    assert max(sources.values()) == 1, "a dead letter was sent twice without any crash"
    got: Counter[tuple[str, str]] = Counter()
    for m in letters:
        h = dict(m.headers() or [])
        digest = h["dlq.original.sha256"].decode() if h.get("dlq.truncated") else hashlib.sha256(m.value() or b"").hexdigest()
        got[(digest, h["dlq.category"].decode())] += 1
    assert got == Counter((hashlib.sha256(v or b"").hexdigest(), c) for v, c in malformed)
    for category, count in Counter(c for _, c in malformed).items():
        assert f'processor_events_dead_lettered_total{{category="{category}"}} {count}.0' in metrics


def test_an_event_that_would_take_its_total_past_bigint_is_a_dead_letter(new_pipeline: Callable[[], Pipeline]) -> None:
    p = new_pipeline()
    p.env["MAX_EVENT_BYTES"] = str(2**62)
    first, second = [message(bytes=2**62)], [message(bytes=2**62, timestamp=1667048401), message(bytes=5)]
    run = ProcessorRun(p.env, p.log).start()
    produce(p.brokers, p.topic, first, 1)
    wait_caught_up(p.url, p.topic, {0: 1})
    produce(p.brokers, p.topic, second, 1)
    wait_caught_up(p.url, p.topic, {0: 3})
    assert run.stop() == 0
    [letter] = consume_all(p.brokers, p.topic + "-dlq")
    assert letter.value() == second[0] and dict(letter.headers() or [])["dlq.category"] == b"overflow"
    assert set(database_totals(p.url).values()) == {2**62 + 5}
