"""The staging contract: a writer stages one batch, a staging owns partitions and publishes them.

A ``StagingWriter`` writes one batch of a partition inside the checkpoint's transaction; a ``Staging``
(one per lake) takes a partition for a transaction and publishes its committed batches. Both stagings
publish through ``publisher.Publisher``, which reads recorded batches from ``Batches`` and hands
finished hour files to a ``LakeSink``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import psycopg
import pyarrow as pa

from ..postgres.connection import ReconnectingConnection
from ..records import TopicPartition
from .rows import OffsetRange, StagedBatch


class StagingWriter(Protocol):
    """Stages one batch of a partition inside the checkpoint's transaction."""

    def stage(self, first: int, last: int, events: pa.Table) -> object: ...


class Staging(Protocol):
    """Where a partition's committed events wait, and how they move into the lake."""

    def take(self, conn: psycopg.Connection[Any], tp: TopicPartition) -> tuple[StagingWriter, int]:
        """Lock ``tp`` for this transaction and drop what was never committed; a writer and the next offset."""
        ...

    def publish(self, db: ReconnectingConnection, tp: TopicPartition) -> list[str]:
        """Move ``tp``'s committed events into the lake; the lake objects written."""
        ...

    def partitions(self, db: ReconnectingConnection, topic: str) -> list[TopicPartition]:
        """Partitions of ``topic`` with committed events waiting (left by any owner, before a restart too)."""
        ...


class Batches(Protocol):
    """Where committed batches' events are, for one kind of lake."""

    def lock(self, conn: psycopg.Connection[Any], tp: TopicPartition) -> int:
        """Lock ``tp``'s offset row (and tidy what no committed transaction wrote); the next offset."""
        ...

    def tidy(self, tp: TopicPartition, staged: list[StagedBatch]) -> None:
        """Under the lock, before a plan: drop events no committed batch recorded (``staged``: those that are)."""
        ...

    def read(self, conn: psycopg.Connection[Any], tp: TopicPartition, batch: StagedBatch) -> pa.Table:
        """The events of one recorded batch."""
        ...

    def forget(self, tp: TopicPartition, batches: list[OffsetRange]) -> None:
        """After the COMMIT that deleted their rows: drop what held the published batches' events."""
        ...


class LakeSink(Protocol):
    """Where finished hour files go."""

    def commit(self, hour: int, name: str, tmp: Path) -> str:
        """Put the complete file ``tmp`` into the lake as ``name`` in ``hour``'s folder; its address.

        ``hour`` counts hours since the epoch (UTC), unlike ``common.lake.hour_dir`` and ``hour_prefix``,
        which take an hour's start in epoch seconds or as a datetime (a sink passes them ``hour * 3600``).
        """
        ...
