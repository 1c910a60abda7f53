"""The sink's hand-over of checkpoints to the worker, in memory (no broker, no database)."""

from __future__ import annotations

import threading

import pytest

from common.errors import DatabaseUnavailable, ReplayRequired
from processor.kafka.sink import SpeedLayerSink
from processor.metrics import Metrics
from processor.records import Checkpoint, PartitionBatch, TopicPartition

T0, T1 = TopicPartition("devices", 0), TopicPartition("devices", 1)


class Applier:
    """Records every checkpoint it is given; fails with ``error`` when one is set."""

    def __init__(self) -> None:
        self.applied: list[Checkpoint] = []
        self.error: Exception | None = None
        self.release = threading.Event()
        self.release.set()

    def __call__(self, checkpoint: Checkpoint) -> None:
        self.release.wait(5)
        if self.error is not None:
            raise self.error
        self.applied.append(checkpoint)


def add(sink: SpeedLayerSink, tp: TopicPartition, offset: int, value: bytes = b"{}") -> None:
    sink.add(value, None, 0, None, tp.topic, tp.partition, offset)


def test_a_checkpoint_hands_every_partitions_messages_over_in_offset_order() -> None:
    applier = Applier()
    sink = SpeedLayerSink(applier, Metrics())
    for offset in range(3):
        add(sink, T0, offset, b"a%d" % offset)
    add(sink, T1, 7, b"b")
    sink.flush()
    sink.settle()
    assert applier.applied == [{T0: PartitionBatch([b"a0", b"a1", b"a2"], [0, 1, 2]), T1: PartitionBatch([b"b"], [7])}]
    assert all(isinstance(tp, TopicPartition) for tp in applier.applied[0])


def test_the_next_checkpoint_waits_for_the_one_in_flight() -> None:
    applier = Applier()
    applier.release.clear()
    sink = SpeedLayerSink(applier, Metrics())
    add(sink, T0, 0)
    sink.flush()
    add(sink, T0, 1)
    threading.Timer(0.2, applier.release.set).start()
    sink.flush()  # blocks until the first is applied
    assert [list(c[T0].offsets) for c in applier.applied] == [[0]]
    sink.settle()
    assert [list(c[T0].offsets) for c in applier.applied] == [[0], [1]]


def test_an_outage_makes_the_sink_refuse_everything_until_it_is_replaced() -> None:
    applier, metrics = Applier(), Metrics()
    applier.error = DatabaseUnavailable("PostgreSQL is down")
    sink = SpeedLayerSink(applier, metrics)
    add(sink, T0, 0)
    sink.flush()
    with pytest.raises(ReplayRequired, match="PostgreSQL is down"):
        sink.settle()
    applier.error = None
    add(sink, T0, 1)
    with pytest.raises(ReplayRequired):
        sink.flush()  # nothing is applied past the failed batch
    assert applier.applied == [] and not metrics.is_ready
    assert metrics.registry.get_sample_value("processor_retries_total") == 1


def test_an_unexpected_error_is_not_mistaken_for_an_outage() -> None:
    applier = Applier()
    applier.error = RuntimeError("bug")
    sink = SpeedLayerSink(applier, Metrics())
    add(sink, T0, 0)
    sink.flush()
    with pytest.raises(RuntimeError, match="bug"):
        sink.settle()


def test_messages_buffered_before_a_pause_are_dropped_to_be_read_again() -> None:
    applier = Applier()
    sink = SpeedLayerSink(applier, Metrics())
    add(sink, T0, 0)
    sink.on_paused()
    sink.flush()
    sink.settle()
    assert applier.applied == []
