"""The Quix application: raw values into the sink, every assignment resumed at PostgreSQL's offsets."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, KafkaError, KafkaException
from confluent_kafka import TopicPartition as KafkaPartition
from quixstreams import Application
from quixstreams.checkpointing.exceptions import CheckpointConsumerCommitError
from quixstreams.exceptions import PartitionAssignmentError
from quixstreams.kafka.configuration import ConnectionConfig
from quixstreams.kafka.exceptions import KafkaConsumerException
from quixstreams.sinks import BaseSink

from common.errors import BrokerUnavailable, PipelineError, ReplayRequired
from common.kafka import KafkaConfig

from ..records import TopicPartition

log = logging.getLogger("processor")
ResumeOffsets = Callable[[list[TopicPartition]], dict[TopicPartition, int]]
StartAt = Callable[[TopicPartition, int], int]  # record a first position in PostgreSQL; the one recorded
CountGap = Callable[[TopicPartition, int], None]


class ResumingApplication(Application):
    """A Quix application that starts every assigned partition where PostgreSQL says it stopped.

    Overrides Quix's (private) assignment hook, pinned to quixstreams 3.28.1 (a test commits Kafka
    offsets ahead of PostgreSQL's and checks they are ignored): the offsets committed in the same
    transaction as the totals are the truth, Kafka's committed offsets only a hint. A partition
    PostgreSQL has never seen starts at the beginning, or with ``latest`` at Kafka's end, recorded in
    PostgreSQL at once so a first batch that fails is read again. PostgreSQL's offset outside what
    Kafka holds (retention, a recreated topic) is logged and counted, never passed over silently.
    """

    def __init__(self, *args: Any, resume_offsets: ResumeOffsets, start_at: StartAt, count_gap: CountGap,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._resume_offsets, self._start_at, self._count_gap = resume_offsets, start_at, count_gap
        self._latest = kwargs.get("auto_offset_reset") == "latest"

    def _on_assign(self, consumer: Any, topic_partitions: list[KafkaPartition]) -> None:
        if topic_partitions:
            known = self._resume_offsets([TopicPartition(tp.topic, tp.partition) for tp in topic_partitions])
            for tp in topic_partitions:
                ours = TopicPartition(tp.topic, tp.partition)
                tp.offset = self._start(ours, known.get(ours), watermarks(consumer, tp))
            log.info("assigned %s", ", ".join(f"{tp.topic}[{tp.partition}]@{tp.offset}" for tp in topic_partitions))
        super()._on_assign(consumer, topic_partitions)

    def _start(self, tp: TopicPartition, stored: int | None, kafka: tuple[int, int]) -> int:
        low, high = kafka
        if stored is None:
            return self._start_at(tp, high) if self._latest else OFFSET_BEGINNING
        if stored < low:
            log.error("%s: offsets %d to %d are no longer in Kafka (retention, or a recreated topic): "
                      "%d messages were never processed; resuming at %d", tp, stored, low - 1, low - stored, low)
            self._count_gap(tp, low - stored)
            return low
        if stored > high:
            log.error("%s: PostgreSQL's next offset %d is past Kafka's end %d (a recreated topic?): the next %d "
                      "messages will be taken for ones already applied", tp, stored, high, stored - high)
            self._count_gap(tp, stored - high)
        return stored


def watermarks(consumer: Any, tp: KafkaPartition) -> tuple[int, int]:
    """The first offset Kafka still holds for ``tp`` and the next one it will write."""
    try:
        low, high = consumer.get_watermark_offsets(KafkaPartition(tp.topic, tp.partition), timeout=10, cached=False)
    except KafkaException as e:
        raise BrokerUnavailable(f"cannot read the offsets Kafka holds for {tp.topic}[{tp.partition}]: {e}") from e
    return int(low), int(high)


def build_application(*, kafka: KafkaConfig, topic: str, group: str, auto_offset_reset: str, commit_interval: float,
                      commit_every: int, state_dir: str, consumer_config: dict[str, Any], resume_offsets: ResumeOffsets,
                      start_at: StartAt, count_gap: CountGap, sink: BaseSink) -> Application:
    """A Quix app reading ``topic`` as raw bytes (parsing happens per checkpoint) into ``sink``."""
    app = ResumingApplication(
        broker_address=ConnectionConfig.from_librdkafka_dict(kafka.client_config()), consumer_group=group,
        auto_offset_reset=auto_offset_reset,
        commit_interval=commit_interval, commit_every=commit_every, loglevel=None, auto_create_topics=False,
        use_changelog_topics=False, state_dir=state_dir,
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
