"""Resuming from PostgreSQL: each assigned partition starts at the offset committed with its totals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, OFFSET_INVALID, TopicPartition
from pydantic import SecretStr
from quixstreams import Application

from common.db import connect

from .store import next_offsets

log = logging.getLogger("processor")
Offsets = dict[tuple[str, int], int]


class ResumingApplication(Application):
    """A Quix application that starts every assigned partition where PostgreSQL says it stopped.

    Overrides Quix's (private) assignment hook, pinned to quixstreams 3.28: the offsets committed
    in the same transaction as the totals are the truth, Kafka's committed offsets only a hint.
    """

    def __init__(self, *args: Any, resume_offsets: Callable[[list[tuple[str, int]]], Offsets],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._resume_offsets = resume_offsets
        # A partition PostgreSQL has never seen starts at the beginning (not at a Kafka commit that
        # may cover a batch that failed); with "latest", Kafka's own position decides.
        self._unseen = OFFSET_BEGINNING if kwargs.get("auto_offset_reset") == "earliest" else OFFSET_INVALID

    def _on_assign(self, consumer: Any, topic_partitions: list[TopicPartition]) -> None:
        if topic_partitions:
            known = self._resume_offsets([(tp.topic, tp.partition) for tp in topic_partitions])
            for tp in topic_partitions:
                tp.offset = known.get((tp.topic, tp.partition), self._unseen)
            log.info("assigned %s", ", ".join(f"{tp.topic}[{tp.partition}]@{tp.offset}" for tp in topic_partitions))
        super()._on_assign(consumer, topic_partitions)


def resume_offsets(url: SecretStr) -> Callable[[list[tuple[str, int]]], Offsets]:
    """Reads ``processor_offsets`` for the partitions being assigned (its own short connection)."""
    def read(partitions: list[tuple[str, int]]) -> Offsets:
        with connect(url) as conn:
            return next_offsets(conn, partitions)
    return read
