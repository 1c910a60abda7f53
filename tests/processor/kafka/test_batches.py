"""The batch step (``processor/kafka/batches.py``) in memory: what reaches the sink and Quix's checkpoint.

The application around it is a stand-in with Quix's names (``test_quix_coupling.py`` checks they are
Quix's); the checkpoint is Quix's own bookkeeping. With a broker, the processor's tests run it whole."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest
from quixstreams.kafka.exceptions import KafkaConsumerException

from processor.kafka.batches import BATCH, step
from processor.kafka.cadence import Cadence
from processor.kafka.sink import SpeedLayerSink
from processor.metrics import Metrics
from processor.records import Checkpoint, Fetched, Message, PartitionBatch, TopicPartition

from .test_quix_coupling import Offsets
from .test_sink import Failed


class Context:
    """Quix's processing context as the step uses it: a real checkpoint's offsets, forced commits counted."""

    def __init__(self) -> None:
        self.checkpoint, self.forced = Offsets(commit_interval=60), 0

    def store_offset(self, topic: str, partition: int, offset: int) -> None:
        self.checkpoint.store_offset(topic=topic, partition=partition, offset=offset)

    def commit_checkpoint(self, force: bool = False) -> None:
        self.forced += force


class Consumer:
    """Hands out ``batches`` one ``consume`` at a time; ``poll`` waits for nothing."""

    def __init__(self, *batches: list[Message]) -> None:
        self.batches, self.polls = list(batches), 0
        self.asked: list[tuple[int, float]] = []

    def consume(self, num_messages: int, timeout: float) -> list[Message]:
        self.asked.append((num_messages, timeout))
        return self.batches.pop(0) if self.batches else []

    def poll(self, timeout: float) -> Message | None:
        self.polls += 1
        return None

    def _broker_available(self) -> None:
        pass


def application(consumer: Consumer) -> Any:
    producer = SimpleNamespace(poll=lambda timeout: None, _broker_available=lambda: None)
    return SimpleNamespace(_producer=producer, _consumer=consumer, _processing_context=Context(),
                           _config=SimpleNamespace(producer_poll_timeout=0.0, consumer_poll_timeout=1.0),
                           _run_tracker=SimpleNamespace(set_message_consumed=lambda consumed: None))


def applied(sink: SpeedLayerSink) -> list[Checkpoint]:
    batches: list[Checkpoint] = []
    sink._apply = batches.append
    sink.flush()
    sink.settle()
    return batches


def off(sink: SpeedLayerSink) -> Cadence:
    return Cadence(sink, lambda: 0, min_interval=2.0, commit_interval=2.0)


def never(error: Exception, message: Any, logger: logging.Logger) -> bool:
    return False


def test_a_fetched_batch_reaches_the_sink_and_each_partitions_first_and_last_offset_quixs_checkpoint() -> None:
    sink = SpeedLayerSink(lambda checkpoint: None, Metrics())
    app = application(Consumer([Fetched("devices", 0, 4, b"a"), Fetched("devices", 1, 9, b"b"),
                                Fetched("devices", 0, 5, b"c"), Fetched("devices", 0, 6, b"d")]))
    step(app, sink, off(sink), 0, never)
    assert app._consumer.asked == [(BATCH, 0)] and app._consumer.polls == 0  # what was fetched, never waited for
    checkpoint = app._processing_context.checkpoint
    assert checkpoint._starting_tp_offsets == {("devices", 0): 4, ("devices", 1): 9}
    assert checkpoint._tp_offsets == {("devices", 0): 6, ("devices", 1): 9}
    assert app._processing_context.forced == 0
    assert applied(sink) == [{TopicPartition("devices", 0): PartitionBatch([b"a", b"c", b"d"], [4, 5, 6]),
                              TopicPartition("devices", 1): PartitionBatch([b"b"], [9])}]


def test_with_nothing_fetched_the_step_waits_in_one_poll_for_the_next_message() -> None:
    sink = SpeedLayerSink(lambda checkpoint: None, Metrics())
    app = application(Consumer())
    step(app, sink, off(sink), 0, never)
    assert app._consumer.polls == 1 and not sink.buffered


def test_an_error_fetched_is_handled_after_what_came_before_it_is_stored_and_what_follows_is_taken() -> None:
    sink = SpeedLayerSink(lambda checkpoint: None, Metrics())
    app = application(Consumer([Fetched("devices", 0, 4, b"a"), Failed("devices", 1, 10, None),
                                Fetched("devices", 1, 11, b"b")]))
    seen: list[dict[tuple[str, int], int]] = []

    def suppress(error: Exception, message: Any, logger: logging.Logger) -> bool:
        assert isinstance(error, KafkaConsumerException)
        seen.append(dict(app._processing_context.checkpoint._tp_offsets))
        return True

    step(app, sink, off(sink), 0, suppress)
    assert seen == [{("devices", 0): 4}]
    assert app._processing_context.checkpoint._tp_offsets == {("devices", 0): 4, ("devices", 1): 11}


def test_an_error_fetched_and_not_suppressed_is_raised() -> None:
    sink = SpeedLayerSink(lambda checkpoint: None, Metrics())
    app = application(Consumer([Failed("devices", 1, 10, None)]))
    with pytest.raises(KafkaConsumerException):
        step(app, sink, off(sink), 0, never)


def test_commit_every_messages_taken_close_the_checkpoint_at_once() -> None:
    sink = SpeedLayerSink(lambda checkpoint: None, Metrics())
    app = application(Consumer([Fetched("devices", 0, 0, b"a")], [Fetched("devices", 0, 1, b"b")]))
    step(app, sink, off(sink), 2, never)
    assert app._processing_context.forced == 0
    step(app, sink, off(sink), 2, never)
    assert app._processing_context.forced == 1


def test_a_caught_up_cadence_closes_the_checkpoint_after_the_batch() -> None:
    sink = SpeedLayerSink(lambda checkpoint: None, Metrics())
    app = application(Consumer([Fetched("devices", 0, 0, b"a")]))
    step(app, sink, Cadence(sink, lambda: 0, min_interval=0.0, commit_interval=2.0), 0, never)
    assert app._processing_context.forced == 1


def test_a_poll_that_finds_nothing_closes_a_due_checkpoint_of_what_is_buffered() -> None:
    sink = SpeedLayerSink(lambda checkpoint: None, Metrics())
    app = application(Consumer([Fetched("devices", 0, 0, b"a")]))
    lags = iter([5, 0])  # behind when the batch was taken, caught up at the empty poll
    cadence = Cadence(sink, lambda: next(lags), min_interval=0.0, commit_interval=2.0)
    step(app, sink, cadence, 0, never)
    assert app._processing_context.forced == 0
    step(app, sink, cadence, 0, never)  # nothing fetched
    assert app._consumer.polls == 1 and app._processing_context.forced == 1


def test_a_poll_that_finds_nothing_with_nothing_buffered_asks_no_checkpoint() -> None:
    sink = SpeedLayerSink(lambda checkpoint: None, Metrics())
    app = application(Consumer())
    step(app, sink, Cadence(sink, lambda: 0, min_interval=0.0, commit_interval=2.0), 0, never)
    assert app._processing_context.forced == 0
