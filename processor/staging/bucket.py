"""A lake in a bucket: staged events in PostgreSQL rows, each lake object PUT under a deterministic key.

Nothing the next owner of a partition needs lives on this host's disk. A checkpoint stages its
batch as a row of its own transaction (``rows.py``), so there is nothing uncommitted
to discard. A publish follows ``publisher.py`` (the same design as a lake in a folder), piece by
piece: record the range, then write each UTC hour's Parquet file to the lake at its final key
``year=../hour=H/part-<topic>-<partition>-<first>-<last>.parquet`` as one PUT (or one completed
multipart upload: ``commit``, through ``LakeStore.put``), then delete the range's rows and the record.

A crash after the record leaves it: the next owner PUTs the same objects again, the same keys with
the same content (the same rows, in the same order), and finishes. Readers see each object whole or
not at all, and each event in exactly one object. Nothing is copied or renamed in the bucket.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa

from common.errors import LakeUnavailable, one_line
from common.lake import hour_prefix
from common.lake_store import LakeStore

from ..lake.durable import file_system, ipc_buffer, read_ipc_buffer
from ..postgres.connection import ReconnectingConnection
from ..postgres.offsets import lock_partition
from ..records import TopicPartition
from . import rows
from .publisher import PIECE, Piece, Publisher


class BucketWriter:
    """Stages a partition's batches as rows of the checkpoint's transaction."""

    def __init__(self, conn: psycopg.Connection[Any], tp: TopicPartition) -> None:
        self._conn, self._tp = conn, tp

    def stage(self, first: int, last: int, events: pa.Table) -> None:
        rows.stage_events(self._conn, self._tp, first, last, memoryview(ipc_buffer(events)))


class BucketStaging:
    """Staging in PostgreSQL, shared by every host; a lake on any ``LakeStore`` (a bucket, in practice)."""

    def __init__(self, lake: LakeStore, temp: Path, piece: Piece = PIECE) -> None:
        self._lake, self._temp = lake, temp
        self.publisher = Publisher(self, self, temp, piece)

    def take(self, conn: psycopg.Connection[Any], tp: TopicPartition) -> tuple[BucketWriter, int]:
        """Lock ``tp``: uncommitted batches never became rows, so there is nothing to discard."""
        return BucketWriter(conn, tp), lock_partition(conn, tp)

    def publish(self, db: ReconnectingConnection, tp: TopicPartition) -> list[str]:
        """Finish an interrupted publish, then publish everything staged; the lake objects written."""
        return self.publisher.publish(db, tp)

    def partitions(self, db: ReconnectingConnection, topic: str) -> list[TopicPartition]:
        return db.transaction(rows.staged_partitions, topic)

    # contract.Batches: the events of recorded batches are in their rows.
    def lock(self, conn: psycopg.Connection[Any], tp: TopicPartition) -> int:
        return lock_partition(conn, tp)

    def tidy(self, tp: TopicPartition, staged: list[rows.StagedBatch]) -> None:
        """Nothing to tidy: an uncommitted batch never became a row."""

    def read(self, conn: psycopg.Connection[Any], tp: TopicPartition, batch: rows.StagedBatch) -> pa.Table:
        return read_ipc_buffer(rows.staged_events(conn, tp, batch.first))  # one row at a time: memory bounded

    def forget(self, tp: TopicPartition, batches: list[rows.OffsetRange]) -> None:
        """Nothing to forget: the rows went with the publish's COMMIT."""

    # contract.LakeSink: hour files PUT at their final key.
    def commit(self, hour: int, name: str, tmp: Path) -> str:
        relative = f"{hour_prefix(hour * 3600)}/{name}"
        with file_system(tmp.parent):  # reading the temporary file back (DATA_DIR/tmp) is local I/O
            data = tmp.read_bytes()
        try:
            uri = self._lake.uri(self._lake.put(relative, data))
        except OSError as e:
            raise LakeUnavailable(f"cannot write {self._lake.uri(self._lake.path(relative))}: {one_line(e)}") from e
        with file_system(tmp.parent):
            tmp.unlink()
        return uri
