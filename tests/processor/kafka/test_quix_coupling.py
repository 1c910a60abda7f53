"""Quix Streams is confined to processor/kafka/, and the private hooks and state we use still exist."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from quixstreams import Application
from quixstreams.checkpointing.checkpoint import BaseCheckpoint
from quixstreams.processing import ProcessingContext

from processor.kafka.application import forget_offsets
from processor.records import TopicPartition

from ...helpers import imported_modules

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("common", "devstack", "provision", "simulator", "processor", "batch", "serving")


def test_quixstreams_is_imported_only_inside_the_processors_kafka_folder() -> None:
    kafka_folder = ROOT / "processor" / "kafka"
    outside = [str(path.relative_to(ROOT)) for package in PACKAGES for path in (ROOT / package).rglob("*.py")
               if kafka_folder not in path.parents
               and any(m == "quixstreams" or m.startswith("quixstreams.") for m in imported_modules(path))]
    assert outside == []


def test_the_assignment_hook_we_override_is_still_quixs_own() -> None:
    hook = getattr(Application, "_on_assign", None)
    assert hook is not None, "quixstreams.Application._on_assign is gone: processor/kafka/application.py must change"
    assert list(inspect.signature(hook).parameters) == ["self", "_", "topic_partitions"]


@pytest.mark.parametrize("hook", ["_on_revoke", "_on_lost"])
def test_the_rebalance_hooks_we_extend_are_still_quixs_own(hook: str) -> None:
    assert list(inspect.signature(getattr(Application, hook)).parameters) == ["self", "_", "topic_partitions"]


class Offsets(BaseCheckpoint):
    """Quix's checkpoint bookkeeping alone (nothing to close or commit)."""

    def close(self) -> None:
        pass

    def commit(self) -> None:
        pass


def test_the_checkpoint_state_we_forget_for_a_lost_partition_is_where_quix_keeps_it() -> None:
    checkpoint = Offsets(commit_interval=60)
    checkpoint.store_offset("devices", 2, 1602)
    forget_offsets(checkpoint, [TopicPartition("devices", 2)])
    assert checkpoint.empty()
    checkpoint.store_offset("devices", 2, 0)  # the rewind a lost assignment given back brings: accepted
    assert checkpoint._tp_offsets == {("devices", 2): 0}


def test_an_early_checkpoint_is_still_quixs_forced_commit_of_its_processing_context() -> None:
    assert "force" in inspect.signature(ProcessingContext.commit_checkpoint).parameters
    assert "_processing_context" in inspect.getsource(Application.__init__)
    assert "_consumer" in inspect.getsource(Application.__init__)
    assert {"on_consumer_error", "on_message_processed", "auto_offset_reset"} <= set(
        inspect.signature(Application.__init__).parameters)


def test_the_per_poll_step_we_extend_is_still_quixs_own_and_called_once_per_loop() -> None:
    step = getattr(Application, "_process_message", None)
    assert step is not None, "quixstreams.Application._process_message is gone: processor/kafka/application.py must change"
    assert list(inspect.signature(step).parameters) == ["self", "dataframe_composed"]
    assert "self._process_message" in inspect.getsource(Application._run_dataframe)


def test_the_consumer_the_cadence_reads_the_lag_of_is_still_quixs_with_librdkafkas_cached_watermarks() -> None:
    from quixstreams.internal_consumer import InternalConsumer  # Application._consumer (checked above)

    assert {"assignment", "position", "get_watermark_offsets"} <= set(dir(InternalConsumer))
    assert "cached" in inspect.signature(InternalConsumer.get_watermark_offsets).parameters
    assert "self._consumer = self._get_internal_consumer(" in inspect.getsource(Application.__init__)


def test_quixs_per_message_step_still_does_only_what_the_batch_step_does_per_batch() -> None:
    # processor/kafka/batches.py replaces Application._process_message: a new call there may be work we skip
    used = set(re.findall(r"self\.(_\w+(?:\.\w+)?)", inspect.getsource(Application._process_message)))
    assert used == {
        "_config.consumer_poll_timeout", "_config.producer_poll_timeout", "_consumer._broker_available",
        "_consumer.poll_row", "_dataframe_registry.requires_time_alignment", "_on_message_processed",
        "_on_processing_error", "_processing_context.store_offset", "_producer._broker_available", "_producer.poll",
        "_run_tracker.set_message_consumed",
    }, "Quix's per-message step changed: check processor/kafka/batches.py::step against it"
    assert "set_message_context" in inspect.getsource(Application._process_message)


def test_the_objects_the_batch_step_uses_still_have_the_methods_it_calls() -> None:
    from quixstreams.internal_consumer import InternalConsumer
    from quixstreams.internal_producer import InternalProducer
    from quixstreams.runtracker import RunTracker

    assert list(inspect.signature(InternalConsumer.consume).parameters) == ["self", "num_messages", "timeout"]
    assert {"poll", "_broker_available"} <= set(dir(InternalConsumer))
    assert {"poll", "_broker_available"} <= set(dir(InternalProducer))
    assert "set_message_consumed" in dir(RunTracker)
    assert list(inspect.signature(ProcessingContext.store_offset).parameters) == ["self", "topic", "partition", "offset"]
    source = inspect.getsource(Application.__init__)
    assert all(f"self.{name} = " in source for name in ("_producer", "_run_tracker", "_config"))


def test_a_dataframe_without_joins_or_concat_still_needs_no_time_aligned_reads() -> None:
    # Quix's own step reads through its buffer only for time alignment (joins, .concat()); ours reads
    # librdkafka's order, so our one dataframe (topic to sink) must not ask for it
    from quixstreams.dataframe import DataFrameRegistry

    assert DataFrameRegistry().requires_time_alignment is False
    assert "require_time_alignment()" not in inspect.getsource(DataFrameRegistry.register_root)
