"""The Quix application: raw values into the sink, every assignment resumed at PostgreSQL's offsets."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, OFFSET_INVALID
from confluent_kafka import TopicPartition as KafkaPartition
from quixstreams import Application
from quixstreams.checkpointing.exceptions import CheckpointConsumerCommitError
from quixstreams.exceptions import PartitionAssignmentError
from quixstreams.kafka.configuration import ConnectionConfig
from quixstreams.sinks import BaseSink

from common.errors import PipelineError, ReplayRequired
from common.kafka import KafkaConfig

from ..records import TopicPartition

log = logging.getLogger("processor")
ResumeOffsets = Callable[[list[TopicPartition]], dict[TopicPartition, int]]


class ResumingApplication(Application):
    """A Quix application that starts every assigned partition where PostgreSQL says it stopped.

    Overrides Quix's (private) assignment hook, pinned to quixstreams 3.28: the offsets committed
    in the same transaction as the totals are the truth, Kafka's committed offsets only a hint.
    """

    def __init__(self, *args: Any, resume_offsets: ResumeOffsets, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._resume_offsets = resume_offsets
        # A partition PostgreSQL has never seen starts at the beginning (not at a Kafka commit that
        # may cover a batch that failed); with "latest", Kafka's own position decides.
        self._unseen = OFFSET_BEGINNING if kwargs.get("auto_offset_reset") == "earliest" else OFFSET_INVALID

    def _on_assign(self, consumer: Any, topic_partitions: list[KafkaPartition]) -> None:
        if topic_partitions:
            known = self._resume_offsets([TopicPartition(tp.topic, tp.partition) for tp in topic_partitions])
            for tp in topic_partitions:
                tp.offset = known.get(TopicPartition(tp.topic, tp.partition), self._unseen)
            log.info("assigned %s", ", ".join(f"{tp.topic}[{tp.partition}]@{tp.offset}" for tp in topic_partitions))
        super()._on_assign(consumer, topic_partitions)


def build_application(*, kafka: KafkaConfig, topic: str, group: str, auto_offset_reset: str, commit_interval: float,
                      commit_every: int, state_dir: str, consumer_config: dict[str, Any],
                      resume_offsets: ResumeOffsets, sink: BaseSink) -> Application:
    """A Quix app reading ``topic`` as raw bytes (parsing happens per checkpoint) into ``sink``."""
    app = ResumingApplication(
        broker_address=ConnectionConfig.from_librdkafka_dict(kafka.client_config()), consumer_group=group,
        auto_offset_reset=auto_offset_reset,
        commit_interval=commit_interval, commit_every=commit_every, loglevel=None, auto_create_topics=False,
        use_changelog_topics=False, state_dir=state_dir,
        broker_availability_timeout=0,  # outages: wait and retry, never give up
        consumer_extra_config=consumer_config, resume_offsets=resume_offsets,
    )
    app.dataframe(app.topic(topic, value_deserializer="bytes", key_deserializer="bytes")).sink(sink)
    return app


def run_application(app: Application) -> None:
    """Run until SIGTERM/SIGINT; a failed assignment caused by one of our errors is a ``ReplayRequired``."""
    try:
        app.run()
    except PartitionAssignmentError as e:
        if not isinstance(e.__cause__, PipelineError):
            raise
        raise ReplayRequired(str(e.__cause__)) from e.__cause__
    except CheckpointConsumerCommitError as e:  # e.g. "Not coordinator" while the broker restarts
        # Kafka's offsets are only hints: rebuild, rejoin and resume from PostgreSQL's.
        raise ReplayRequired(f"Kafka refused the offset commit ({e}); rejoining") from e
