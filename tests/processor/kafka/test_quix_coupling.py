"""Quix Streams is confined to processor/kafka/, and the private hooks and state we use still exist."""

from __future__ import annotations

import inspect
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
