"""The sink's hand-over of checkpoints to the worker, in memory (no broker, no database)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from common.errors import DatabaseUnavailable, ReplayRequired
from processor.checkpoint import CheckpointApplier
from processor.kafka.application import run_application
from processor.kafka.sink import SpeedLayerSink
from processor.metrics import Metrics
from processor.records import Checkpoint, Fetched, OffsetsOutOfOrder, PartitionBatch, TopicPartition

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


def add(sink: SpeedLayerSink, tp: TopicPartition, offset: int, value: bytes | None = b"{}") -> None:
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


def test_a_failed_batch_shows_as_failed_without_another_checkpoint_and_a_good_one_never_does() -> None:
    applier = Applier()
    applier.release.clear()
    sink = SpeedLayerSink(applier, Metrics())
    assert not sink.failed  # nothing in flight
    add(sink, T0, 0)
    sink.flush()
    assert not sink.failed  # in flight, not failed yet
    applier.release.set()
    sink.settle()
    assert not sink.failed  # applied
    applier.error = DatabaseUnavailable("PostgreSQL is down")
    add(sink, T0, 1)
    sink.flush()  # a quiet topic: no message, hence no checkpoint, follows this one
    sink._worker.submit(lambda: None).result()  # the worker has finished the failing batch
    assert sink.failed
    with pytest.raises(ReplayRequired, match="PostgreSQL is down"):
        sink.settle()


def test_applying_holds_while_a_batch_is_on_the_worker_and_ends_with_it() -> None:
    applier = Applier()
    applier.release.clear()
    sink = SpeedLayerSink(applier, Metrics())
    assert not sink.applying
    add(sink, T0, 0)
    sink.flush()
    assert sink.applying
    applier.release.set()
    sink._worker.submit(lambda: None).result()  # the worker has finished the batch
    assert not sink.applying


def test_a_batch_settled_before_its_end_was_reported_never_clears_applying_for_the_next_one() -> None:
    applier = Applier()
    sink = SpeedLayerSink(applier, Metrics())
    add(sink, T0, 0)
    sink.flush()
    first = sink._pending
    assert first is not None
    applier.release.clear()
    add(sink, T0, 1)
    sink.flush()  # settles the first batch; the second is held on the worker
    sink._done(first)  # the first batch's end, reported late
    assert sink.applying
    applier.release.set()
    sink.settle()
    assert not sink.applying


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


def test_an_offset_at_or_below_the_last_one_buffered_is_refused_never_appended() -> None:
    applier = Applier()
    sink = SpeedLayerSink(applier, Metrics())
    add(sink, T0, 1601)
    add(sink, T0, 1602)
    with pytest.raises(OffsetsOutOfOrder, match="offset 0 came after 1602"):
        add(sink, T0, 0)  # a rewind into a buffer still held (a lost assignment given back)
    with pytest.raises(OffsetsOutOfOrder):
        add(sink, T0, 1602)
    sink.flush()
    sink.settle()
    assert applier.applied == [{T0: PartitionBatch([b"{}", b"{}"], [1601, 1602])}]


def test_a_dropped_partition_forgets_its_buffer_and_the_others_keep_theirs() -> None:
    applier = Applier()
    sink = SpeedLayerSink(applier, Metrics())
    add(sink, T0, 5, b"lost")
    add(sink, T1, 7, b"kept")
    sink.drop([T0])
    add(sink, T0, 0, b"again")  # read again from PostgreSQL's offset after the drop
    sink.flush()
    sink.settle()
    assert applier.applied == [{T0: PartitionBatch([b"again"], [0]), T1: PartitionBatch([b"kept"], [7])}]


def test_the_sink_is_full_once_its_buffered_values_reach_the_byte_bound_and_empty_after_a_flush() -> None:
    sink = SpeedLayerSink(Applier(), Metrics(), max_bytes=10)
    add(sink, T0, 0, b"12345")
    add(sink, T1, 0, None)
    assert not sink.full
    add(sink, T1, 1, b"12345")
    assert sink.full
    sink.flush()
    assert not sink.full
    add(sink, T0, 1, b"123456789")
    assert not sink.full


def test_a_byte_bound_of_zero_never_makes_the_sink_full() -> None:
    sink = SpeedLayerSink(Applier(), Metrics(), max_bytes=0)
    add(sink, T0, 0, b"x" * 10_000_000)
    assert not sink.full


class Transactions:
    """Runs the applier's work with no connection: enough for what it checks before touching PostgreSQL."""

    def transaction(self, work: Callable[..., object], *args: object) -> object:
        return work(None, *args)


def test_the_applier_refuses_a_checkpoint_whose_offsets_are_not_strictly_ascending() -> None:
    applier = CheckpointApplier(database=Transactions(), staging=None, dead_letters=None,  # type: ignore[arg-type]
                                metrics=Metrics(), schedule=None, max_event_bytes=1)  # type: ignore[arg-type]
    unsorted = PartitionBatch([b"{}", b"{}", b"{}"], [1602, 0, 1])  # built around the sink's own check
    with pytest.raises(OffsetsOutOfOrder, match=r"devices\[0\].*not strictly ascending"):
        applier.apply({T0: unsorted})


class _LostCallbackError:
    """An application whose Kafka client lost the exception a rebalance callback raised."""

    def __init__(self, message: str) -> None:
        self.message = message

    def run(self) -> None:
        raise SystemError(self.message)


def test_an_error_the_kafka_client_lost_in_a_rebalance_callback_rebuilds_the_application() -> None:
    lost = "<method 'poll' of 'cimpl.Consumer' objects> returned NULL without setting an exception"
    with pytest.raises(ReplayRequired, match="rebuilding"):
        run_application(_LostCallbackError(lost))  # type: ignore[arg-type]


def test_any_other_system_error_is_not_taken_for_one() -> None:
    with pytest.raises(SystemError, match="something else"):
        run_application(_LostCallbackError("something else"))  # type: ignore[arg-type]


class Failed(Fetched):
    """A message librdkafka returned as an error (the offset to read is gone, say)."""

    def error(self) -> str:  # type: ignore[override]
        return "offset gone"


def test_take_buffers_a_fetched_batch_by_partition_and_stops_at_the_first_error() -> None:
    applier = Applier()
    sink = SpeedLayerSink(applier, Metrics())
    fetched = [Fetched("devices", 0, 4, b"a"), Fetched("devices", 1, 9, b"b"), Fetched("devices", 0, 5, None),
               Failed("devices", 1, 10, None), Fetched("devices", 1, 11, b"c")]
    assert sink.take(fetched) == ({("devices", 0): 4, ("devices", 1): 9}, 3)
    assert sink.messages == 3
    assert sink.take(fetched, 4) == ({("devices", 1): 11}, 5)
    assert sink.messages == 4
    sink.flush()
    sink.settle()
    assert applier.applied == [{T0: PartitionBatch([b"a", None], [4, 5]), T1: PartitionBatch([b"b", b"c"], [9, 11])}]
    assert sink.messages == 0


def test_take_refuses_a_rewind_within_one_fetched_batch_and_across_batches() -> None:
    sink = SpeedLayerSink(Applier(), Metrics())
    with pytest.raises(OffsetsOutOfOrder, match="offset 3 came after 3"):
        sink.take([Fetched("devices", 0, 3, b"a"), Fetched("devices", 1, 0, b"b"), Fetched("devices", 0, 3, b"a")])
    with pytest.raises(OffsetsOutOfOrder, match="offset 2 came after 3"):
        sink.take([Fetched("devices", 0, 2, b"a")])


def test_the_count_of_messages_taken_forgets_a_dropped_partitions_and_a_pauses() -> None:
    sink = SpeedLayerSink(Applier(), Metrics())
    sink.take([Fetched("devices", 0, 0, b"a"), Fetched("devices", 1, 0, b"b"), Fetched("devices", 1, 1, b"c")])
    sink.drop([T1])
    assert sink.messages == 1
    sink.on_paused()
    assert sink.messages == 0
