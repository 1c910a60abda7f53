"""The Quix application: raw values into the sink, every assignment resumed at PostgreSQL's offsets."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, KafkaError, KafkaException
from confluent_kafka import TopicPartition as KafkaPartition
from quixstreams import Application
from quixstreams.checkpointing.exceptions import CheckpointConsumerCommitError
from quixstreams.error_callbacks import default_on_consumer_error
from quixstreams.exceptions import PartitionAssignmentError
from quixstreams.kafka.configuration import ConnectionConfig
from quixstreams.kafka.exceptions import KafkaConsumerException

from common.errors import BrokerUnavailable, PipelineError, ReplayRequired
from common.kafka import KafkaConfig

from ..records import TopicPartition
from .batches import step
from .cadence import Cadence, consumer_lag
from .sink import SpeedLayerSink

log = logging.getLogger("processor")
ResumeOffsets = Callable[[list[TopicPartition]], dict[TopicPartition, int]]
StartAt = Callable[[TopicPartition, int], int]  # record a first position in PostgreSQL; the one recorded
CountGap = Callable[[TopicPartition, int], None]


class OffsetsGone(ReplayRequired):
    """The consumer's next offset left Kafka while it was consuming (retention, ``DeleteRecords``)."""


class ResumingApplication(Application):
    """A Quix application that starts every assigned partition where PostgreSQL says it stopped.

    Overrides Quix's (private) assignment hook, pinned to quixstreams 3.28.1 (a test commits Kafka
    offsets ahead of PostgreSQL's and checks they are ignored): the offsets committed in the same
    transaction as the totals are the truth, Kafka's committed offsets only a hint. A partition
    PostgreSQL has never seen starts at the beginning, or with ``latest`` at Kafka's end, recorded in
    PostgreSQL at once so a first batch that fails is read again. PostgreSQL's offset outside what
    Kafka holds (retention, a recreated topic) is logged and counted, never passed over silently.

    Every position is explicit, so the consumer runs with ``auto.offset.reset=error``: when what it
    reads next is gone while consuming (retention overtook it, ``DeleteRecords``), librdkafka reports
    it instead of jumping silently; ``_on_consumer_error`` applies what was read before the gap and
    rebuilds the application, whose assignment logs, counts and skips the lost range (``_start``).
    A revoked or lost partition's buffer is dropped, and a lost one's offsets too from Quix's
    checkpoint (Quix's own ``_on_lost`` keeps them, and refuses the rewind when the group gives the
    partition back): its next assignment starts again from PostgreSQL's offsets, in a clean batch.
    Quix's per-message step is replaced by one per batch of fetched messages (``batches.step``).
    """

    def __init__(self, *args: Any, resume_offsets: ResumeOffsets, start_at: StartAt, count_gap: CountGap,
                 sink: SpeedLayerSink, latest: bool, commit_interval: float, commit_every: int,
                 commit_min_interval: float, **kwargs: Any) -> None:
        super().__init__(*args, auto_offset_reset="error", on_consumer_error=self._on_consumer_error,
                         commit_interval=commit_interval, commit_every=0, **kwargs)  # COMMIT_EVERY: batches.step
        self._resume_offsets, self._start_at, self._count_gap = resume_offsets, start_at, count_gap
        self._sink, self._latest, self._commit_every = sink, latest, commit_every
        self._starts: dict[tuple[str, int], int] = {}  # each assigned partition's first offset (consumer_lag)
        self._cadence = Cadence(sink, lambda: consumer_lag(self._consumer, self._starts), commit_min_interval,
                                commit_interval)

    def _on_assign(self, consumer: Any, topic_partitions: list[KafkaPartition]) -> None:
        if topic_partitions:
            known = self._resume_offsets([TopicPartition(tp.topic, tp.partition) for tp in topic_partitions])
            for tp in topic_partitions:
                ours = TopicPartition(tp.topic, tp.partition)
                tp.offset = self._start(ours, known.get(ours), watermarks(consumer, tp))
                self._starts[(tp.topic, tp.partition)] = tp.offset
            log.info("assigned %s", ", ".join(f"{tp.topic}[{tp.partition}]@{tp.offset}" for tp in topic_partitions))
        super()._on_assign(consumer, topic_partitions)

    def _start(self, tp: TopicPartition, stored: int | None, kafka: tuple[int, int]) -> int:
        low, high = kafka
        if stored is None:
            return self._start_at(tp, high) if self._latest else OFFSET_BEGINNING
        if stored < low:
            log.error("%s: offsets %d to %d are no longer in Kafka (retention, DeleteRecords, or a recreated topic): "
                      "%d messages were never processed; resuming at %d", tp, stored, low - 1, low - stored, low)
            self._count_gap(tp, low - stored)
            return low
        if stored > high:
            log.error("%s: PostgreSQL's next offset %d is past Kafka's end %d (a recreated topic?): the next %d "
                      "messages will be taken for ones already applied", tp, stored, high, stored - high)
            self._count_gap(tp, stored - high)
            return high  # what comes next, up to ``stored``, is skipped as applied
        return stored

    def _on_revoke(self, consumer: Any, topic_partitions: list[KafkaPartition]) -> None:
        super()._on_revoke(consumer, topic_partitions)  # commits the checkpoint: the sink flushes
        self._sink.drop(TopicPartition(tp.topic, tp.partition) for tp in topic_partitions)

    def _on_lost(self, consumer: Any, topic_partitions: list[KafkaPartition]) -> None:
        super()._on_lost(consumer, topic_partitions)
        lost = [TopicPartition(tp.topic, tp.partition) for tp in topic_partitions]
        self._sink.drop(lost)
        forget_offsets(self._processing_context.checkpoint, lost)
        if lost:
            log.warning("the assignment of %s was lost (no word from the group coordinator within "
                        "KAFKA_SESSION_TIMEOUT_MS): what was read since the last checkpoint is dropped, and read "
                        "again from PostgreSQL's offsets if the group gives them back", ", ".join(map(str, lost)))

    def _process_message(self, dataframe_composed: Any) -> None:
        # Quix's per-message step, a batch of fetched messages at a time, straight into the sink (batches.py)
        step(self, self._sink, self._cadence, self._commit_every, self._on_consumer_error)
        if self._sink.failed:  # the last batch failed: rebuild now, not at the next message's checkpoint
            self._sink.settle()

    def _on_consumer_error(self, error: Exception, message: Any, logger: logging.Logger) -> bool:
        if isinstance(error, KafkaConsumerException) and error.code == KafkaError._AUTO_OFFSET_RESET:
            # What was read before the gap is applied first (so PostgreSQL's offset is where the gap
            # starts); the rebuilt application's assignment then logs, counts and skips the lost range.
            self._processing_context.commit_checkpoint(force=True)
            self._sink.settle()
            raise OffsetsGone(f"the next offset to read is no longer in Kafka ({error.description}); "
                              "resuming from PostgreSQL's offsets")
        return bool(default_on_consumer_error(error, message, logger))


def forget_offsets(checkpoint: Any, partitions: list[TopicPartition]) -> None:
    """Quix's checkpoint without ``partitions``: their offsets are neither committed to Kafka nor taken
    for processed ones when the partitions come back (private state of Quix's ``BaseCheckpoint``,
    pinned to quixstreams 3.28.1 by ``tests/processor/kafka/test_quix_coupling.py``)."""
    for tp in partitions:
        checkpoint._tp_offsets.pop(tuple(tp), None)
        checkpoint._starting_tp_offsets.pop(tuple(tp), None)


def watermarks(consumer: Any, tp: KafkaPartition) -> tuple[int, int]:
    """The first offset Kafka still holds for ``tp`` and the next one it will write."""
    try:
        low, high = consumer.get_watermark_offsets(KafkaPartition(tp.topic, tp.partition), timeout=10, cached=False)
    except KafkaException as e:
        raise BrokerUnavailable(f"cannot read the offsets Kafka holds for {tp.topic}[{tp.partition}]: {e}") from e
    return int(low), int(high)


def build_application(*, kafka: KafkaConfig, topic: str, group: str, auto_offset_reset: str, commit_interval: float,
                      commit_every: int, commit_min_interval: float, state_dir: str, consumer_config: dict[str, Any],
                      resume_offsets: ResumeOffsets, start_at: StartAt, count_gap: CountGap, sink: SpeedLayerSink) -> Application:
    """A Quix app reading ``topic`` as raw bytes (parsing happens per checkpoint) into ``sink``."""
    app = ResumingApplication(
        broker_address=ConnectionConfig.from_librdkafka_dict(kafka.client_config()), consumer_group=group,
        latest=auto_offset_reset == "latest", sink=sink,
        commit_interval=commit_interval, commit_every=commit_every, commit_min_interval=commit_min_interval,
        loglevel=None, auto_create_topics=False, use_changelog_topics=False, state_dir=state_dir,
        broker_availability_timeout=0,  # outages: wait and retry, never give up
        consumer_extra_config=consumer_config, resume_offsets=resume_offsets, start_at=start_at, count_gap=count_gap,
    )
    app.dataframe(app.topic(topic, value_deserializer="bytes", key_deserializer="bytes")).sink(sink)
    return app


def run_application(app: Application) -> None:
    """Run until SIGTERM/SIGINT. ``ReplayRequired`` (rebuild, rejoin, resume from PostgreSQL) for a failed
    assignment caused by one of our errors, and for a processor the group has moved on without (paused
    past ``max.poll.interval.ms``, or its offset commit refused): Kafka's offsets are only hints."""
    try:
        app.run()
    except PartitionAssignmentError as e:
        if not isinstance(e.__cause__, PipelineError):
            raise
        raise ReplayRequired(str(e.__cause__)) from e.__cause__
    except KafkaConsumerException as e:
        if not isinstance(e, CheckpointConsumerCommitError) and e.code != KafkaError._MAX_POLL_EXCEEDED:
            raise
        raise ReplayRequired(f"this processor left its consumer group ({e.description}); rejoining") from e
    except SystemError as e:
        # confluent-kafka can lose the exception a rebalance callback raised (seen when PostgreSQL went
        # away during an assignment): poll then "returned NULL without setting an exception". Whatever
        # was lost, a rebuilt application resumes from PostgreSQL's offsets, so rebuilding is safe.
        if "without setting an exception" not in str(e):
            raise
        raise ReplayRequired(f"the Kafka client lost an error raised during a rebalance ({e}); rebuilding") from e
