"""Early checkpoints: when caught up and something is buffered, at most every COMMIT_MIN_INTERVAL; never under a
backlog larger than what is buffered."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer
from confluent_kafka import TopicPartition as KafkaPartition

from common.kafka import end_offsets
from processor.kafka.cadence import APPLYING_LOOK, UNKNOWN, Cadence, consumer_lag, due

from ...helpers import query
from ..harness import PARTITIONS, Pipeline, ProcessorRun, encode, make_events, produce, wait_caught_up


def no_lag() -> int:
    return 0


def never_asked() -> int:
    raise AssertionError("the lag was read although the cheap conditions already said no")


def test_an_early_checkpoint_is_due_when_something_is_pending_the_interval_passed_and_there_is_no_backlog() -> None:
    assert due(pending=1, applying=False, elapsed=0.2, min_interval=0.2, lag=no_lag)


def test_no_early_checkpoint_is_due_under_a_backlog_larger_than_what_is_buffered() -> None:
    assert not due(pending=1, applying=False, elapsed=5.0, min_interval=0.2, lag=lambda: 2)
    assert not due(pending=4000, applying=False, elapsed=5.0, min_interval=0.2, lag=lambda: 4001)


def test_a_backlog_no_larger_than_what_is_buffered_does_not_hold_an_early_checkpoint_back() -> None:
    # the processor a little behind after a slow apply: the next batch is ready, and waiting COMMIT_INTERVAL
    # for the consumer to reach a lag of exactly 0 only delays it (the events behind it wait for it too)
    assert due(pending=4000, applying=False, elapsed=0.5, min_interval=0.2, lag=lambda: 4000)


def test_no_early_checkpoint_is_due_while_the_last_checkpoint_is_still_being_applied() -> None:
    assert not due(pending=1, applying=True, elapsed=5.0, min_interval=0.2, lag=never_asked)


def test_no_early_checkpoint_is_due_with_nothing_pending_or_too_soon_and_the_lag_is_not_read_then() -> None:
    assert not due(pending=0, applying=False, elapsed=5.0, min_interval=0.2, lag=never_asked)
    assert not due(pending=1, applying=False, elapsed=0.19, min_interval=0.2, lag=never_asked)


@dataclass
class Buffer:
    buffered: bool = True
    applying: bool = False
    flushed_at: float = 0.0
    messages: int = 0  # buffered since the last checkpoint: ``taken`` adds to it, as the sink's ``take`` does

    def taken(self, count: int = 1) -> int:
        self.messages += count
        return count


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_cadence_is_off_when_the_minimum_interval_reaches_the_commit_interval() -> None:
    cadence = Cadence(Buffer(), no_lag, min_interval=2.0, commit_interval=2.0)
    assert not cadence.enabled and not cadence.checkpoint_now()


def test_the_cadence_fires_once_the_minimum_interval_passed_since_the_last_checkpoint() -> None:
    clock, buffer = Clock(), Buffer(flushed_at=100.0)
    cadence = Cadence(buffer, no_lag, min_interval=0.2, commit_interval=2.0, clock=clock)
    clock.now = 100.1
    assert not cadence.checkpoint_now(buffer.taken())
    clock.now = 100.2
    assert cadence.checkpoint_now(buffer.taken())
    buffer.applying = True
    assert not cadence.checkpoint_now(buffer.taken())
    buffer.applying, buffer.buffered, buffer.messages = False, False, 0
    assert not cadence.checkpoint_now()


def test_draining_a_backlog_larger_than_what_is_buffered_the_cadence_never_fires_and_looks_once_per_backlog_seen() -> None:
    clock, looks, processed = Clock(), [], [0]

    def lag() -> int:
        looks.append(clock.now)
        return 1_000_000 - processed[0]  # a backlog of a million, drained

    buffer = Buffer(flushed_at=0.0)
    cadence = Cadence(buffer, lag, min_interval=0.2, commit_interval=2.0, clock=clock)
    for processed[0] in range(1, 250_001):
        clock.now = 100.0 + processed[0] / 100_000
        assert not cadence.checkpoint_now(buffer.taken())
    assert len(looks) == 3  # at the first message, then every MAX_SKIP messages (the backlog seen is larger)


def test_a_standing_backlog_fires_once_as_many_messages_are_buffered_and_counts_from_each_checkpoint() -> None:
    clock, buffer = Clock(), Buffer(flushed_at=0.0)
    cadence = Cadence(buffer, lambda: 3000, min_interval=0.2, commit_interval=2.0, clock=clock)
    fired = []
    for step in range(1, 3002):
        clock.now = 100.0 + step / 10_000
        fired.append(cadence.checkpoint_now(buffer.taken()))
    assert fired.index(True) == 3000 - 1 + 1  # the look after the backlog seen at the first message: 3,001 buffered
    buffer.flushed_at, buffer.messages = clock.now, 0  # the checkpoint closed: the count starts again
    clock.now += 0.3
    assert not cadence.checkpoint_now(buffer.taken())


def test_a_steady_load_read_in_bursts_fires_at_the_last_message_of_a_burst() -> None:
    clock, burst = Clock(), 50
    position = [0]
    buffer = Buffer(flushed_at=0.0)
    cadence = Cadence(buffer, lambda: burst - position[0], min_interval=0.2, commit_interval=2.0, clock=clock)
    fired = []
    for position[0] in range(1, burst + 1):
        clock.now += 0.0001
        fired.append(cadence.checkpoint_now(buffer.taken()))
    assert fired == [False] * (burst - 1) + [True]


def test_asked_once_per_batch_the_cadence_counts_the_batch_and_skips_a_backlog_in_messages() -> None:
    clock, looks = Clock(), []

    def lag() -> int:
        looks.append(clock.now)
        return 10_000

    buffer = Buffer(flushed_at=0.0)
    cadence = Cadence(buffer, lag, min_interval=0.2, commit_interval=2.0, clock=clock)
    assert not cadence.checkpoint_now(buffer.taken(2000)) and len(looks) == 1  # 2,000 buffered, 10,000 behind
    for _ in range(4):  # the backlog seen, 9,999 messages, taken in batches: no look
        assert not cadence.checkpoint_now(buffer.taken(2000))
    assert len(looks) == 1
    assert cadence.checkpoint_now(buffer.taken(2000)) and len(looks) == 2  # past it: 12,000 buffered, 10,000 behind


def test_a_poll_that_finds_nothing_makes_the_cadence_look_again_within_a_backlog_it_saw() -> None:
    clock, lags = Clock(), iter([5000, 0])
    buffer = Buffer(flushed_at=0.0)
    cadence = Cadence(buffer, lambda: next(lags), min_interval=0.2, commit_interval=2.0, clock=clock)
    assert not cadence.checkpoint_now(buffer.taken(100))
    assert not cadence.checkpoint_now(buffer.taken(100))  # within the backlog seen: no look
    assert cadence.checkpoint_now(0)  # nothing more fetched: looks, and is caught up


class FakeConsumer:
    """Positions and cached watermarks per partition of one topic, as librdkafka reports them."""

    def __init__(self, positions: dict[int, int], watermarks: dict[int, tuple[int, int]]) -> None:
        self.positions, self.watermarks = positions, watermarks

    def assignment(self) -> list[KafkaPartition]:
        return [KafkaPartition("t", p) for p in self.positions]

    def position(self, tps: list[KafkaPartition]) -> list[KafkaPartition]:
        return [KafkaPartition(tp.topic, tp.partition, self.positions[tp.partition]) for tp in tps]

    def get_watermark_offsets(self, tp: KafkaPartition, cached: bool) -> tuple[int, int]:
        assert cached
        return self.watermarks[tp.partition]


def test_a_partition_with_no_fetch_response_yet_is_not_taken_for_caught_up() -> None:
    consumer = FakeConsumer({0: 10, 1: -1001}, {0: (0, 10), 1: (-1001, -1001)})
    assert consumer_lag(consumer) == UNKNOWN


def test_a_partition_none_of_whose_messages_was_processed_counts_from_where_its_assignment_started() -> None:
    # at a backlog's start: partition 0's first message processed, 1 and 2 fetched but not reached yet
    consumer = FakeConsumer({0: 1, 1: -1001, 2: -1001}, {0: (0, 1), 1: (0, 500), 2: (100, 300)})
    assert consumer_lag(consumer, {("t", 1): 200, ("t", 2): OFFSET_BEGINNING}) == 300 + 200
    idle = FakeConsumer({0: 1, 1: -1001}, {0: (0, 1), 1: (0, 200)})
    assert consumer_lag(idle, {("t", 1): 200}) == 0  # resumed at its end: caught up


def test_while_a_batch_is_applied_the_cadence_looks_only_every_few_milliseconds() -> None:
    clock, looks = Clock(), []

    class Applying:
        buffered, flushed_at, messages = True, 0.0, 1

        @property
        def applying(self) -> bool:
            looks.append(clock.now)
            return True

    cadence = Cadence(Applying(), never_asked, min_interval=0.2, commit_interval=2.0, clock=clock)
    for step in range(1000):  # 1000 messages in 0.1 s
        clock.now = 100.0 + step / 10_000
        assert not cadence.checkpoint_now()
    assert len(looks) <= 0.1 / APPLYING_LOOK + 1


@pytest.mark.integration
def test_the_consumer_lag_is_what_was_fetched_or_is_on_the_broker_and_not_yet_consumed(
        kafka_brokers: str, new_topic: Callable[..., str]) -> None:
    topic = new_topic(1)
    produce(kafka_brokers, topic, [b"x"] * 50, 1)
    consumer = Consumer({"bootstrap.servers": kafka_brokers, "group.id": topic, "enable.auto.commit": False})
    try:
        consumer.assign([KafkaPartition(topic, 0, 0)])
        assert consumer_lag(consumer) == UNKNOWN  # no fetch response yet: not known to be caught up
        first = consumer.poll(10)
        assert first is not None and first.offset() == 0
        assert consumer_lag(consumer) == 49
        taken = 1
        deadline = time.monotonic() + 10
        while taken < 50 and time.monotonic() < deadline:
            taken += len(consumer.consume(50, 1))
        assert taken == 50
        assert consumer_lag(consumer) == 0
    finally:
        consumer.close()


def seconds_to_count_one_event(p: Pipeline, within: float) -> float | None:
    """Seconds from producing one event to its offset committed with the totals, or None past ``within``."""
    sent = time.monotonic()
    produce(p.brokers, p.topic, [encode(make_events(1, seed=7)[0])], PARTITIONS)
    ends = end_offsets(p.brokers, p.topic)
    while time.monotonic() - sent < within:
        done = dict(query(p.url, "SELECT partition, next_offset FROM processor_offsets WHERE topic = %s", (p.topic,)))
        if all(done.get(tp, 0) >= end for tp, end in ends.items()):
            return time.monotonic() - sent
        time.sleep(0.02)
    return None


@pytest.mark.integration
@pytest.mark.parametrize("min_interval, counted", [("0.2", True), ("10", False)])
def test_a_caught_up_processor_counts_an_event_well_before_the_commit_interval_only_with_the_policy_on(
        new_pipeline: Callable[[], Pipeline], min_interval: str, counted: bool) -> None:
    p = new_pipeline()
    p.env.update(COMMIT_INTERVAL="10", COMMIT_MIN_INTERVAL=min_interval)
    produce(p.brokers, p.topic, [encode(e) for e in make_events(40, seed=6)], PARTITIONS)
    run = ProcessorRun(p.env, p.log).start()
    try:
        wait_caught_up(p.url, p.topic, end_offsets(p.brokers, p.topic))
        time.sleep(0.5)  # past COMMIT_MIN_INTERVAL, well within COMMIT_INTERVAL of the last checkpoint
        seconds = seconds_to_count_one_event(p, within=3.0)
    finally:
        assert run.stop() == 0
    if counted:
        assert seconds is not None, f"one event was not counted within 3 s (COMMIT_INTERVAL 10 s): {p.log}"
    else:
        assert seconds is None, f"counted after {seconds:.2f} s with the policy off: the test cannot tell it on"
