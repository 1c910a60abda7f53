"""Owning a partition for one transaction: its offset row locked, what PostgreSQL never committed gone.

Both writers of a partition's staged events, the checkpoint (staging) and the publish (lake), start
here. Where committed events wait for the lake follows from where the lake is (``Staging``):
``FolderStaging`` keeps them as files in ``DATA_DIR`` next to a lake in a folder (one host);
``lake.shared.SharedStaging`` keeps them in PostgreSQL for a lake in a bucket (any number of hosts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import psycopg
import pyarrow as pa

from .lake.publish import publish
from .lake.staging import StagingArea, StagingRoot
from .postgres.connection import ReconnectingConnection
from .postgres.offsets import lock_partition
from .records import TopicPartition


class Stager(Protocol):
    """Stages one batch of a partition inside the checkpoint's transaction."""

    def stage(self, first: int, last: int, events: pa.Table) -> object: ...


class Staging(Protocol):
    """Where a partition's committed events wait, and how they move into the lake."""

    def take(self, conn: psycopg.Connection[Any], tp: TopicPartition) -> tuple[Stager, int]:
        """Lock ``tp`` for this transaction and drop what was never committed; a stager and the next offset."""
        ...

    def publish(self, db: ReconnectingConnection, tp: TopicPartition) -> list[str]:
        """Move ``tp``'s committed events into the lake; the lake objects written."""
        ...

    def partitions(self, db: ReconnectingConnection, topic: str) -> list[TopicPartition]:
        """Partitions of ``topic`` with committed events waiting (left by any owner, before a restart too)."""
        ...


def take_partition(conn: psycopg.Connection[Any], staging: StagingRoot, tp: TopicPartition) -> tuple[StagingArea, int]:
    """Lock ``tp``'s offset row, discard its uncommitted staging files; its area and next offset."""
    next_offset = lock_partition(conn, tp)
    area = staging.area(tp)
    area.discard_uncommitted(next_offset)
    return area, next_offset


class FolderStaging:
    """Staged files in ``DATA_DIR/staging``, published into a lake folder on the same host."""

    def __init__(self, root: StagingRoot, lake: Path) -> None:
        self._root, self._lake = root, lake

    def take(self, conn: psycopg.Connection[Any], tp: TopicPartition) -> tuple[StagingArea, int]:
        return take_partition(conn, self._root, tp)

    def publish(self, db: ReconnectingConnection, tp: TopicPartition) -> list[str]:
        """Publish holding ``tp``'s lock, so no zombie can interleave."""
        def work(conn: psycopg.Connection[Any]) -> list[str]:
            area, _ = take_partition(conn, self._root, tp)
            return [str(p) for p in publish(area, self._lake, tp)]

        return db.transaction(work)

    def partitions(self, db: ReconnectingConnection, topic: str) -> list[TopicPartition]:
        return self._root.partitions(topic)
