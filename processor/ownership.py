"""Owning a partition for one transaction: its offset row locked, what PostgreSQL never committed gone.

Both writers of a partition's files, the checkpoint (staging) and the publish (lake), start here, so
a zombie owner's late writes and a crashed owner's leftovers are discarded before anything new.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from .lake.publish import publish
from .lake.staging import StagingArea, StagingRoot
from .postgres.connection import ReconnectingConnection
from .postgres.offsets import lock_partition
from .records import TopicPartition


def take_partition(conn: psycopg.Connection[Any], staging: StagingRoot, tp: TopicPartition) -> tuple[StagingArea, int]:
    """Lock ``tp``'s offset row, discard its uncommitted staging files; its area and next offset."""
    next_offset = lock_partition(conn, tp)
    area = staging.area(tp)
    area.discard_uncommitted(next_offset)
    return area, next_offset


def publish_partition(db: ReconnectingConnection, staging: StagingRoot, lake: Path, tp: TopicPartition) -> list[Path]:
    """Move ``tp``'s committed staging files into the lake, holding its lock; the lake files written."""
    def work(conn: psycopg.Connection[Any]) -> list[Path]:
        area, _ = take_partition(conn, staging, tp)
        return publish(area, lake, tp)

    return db.transaction(work)
