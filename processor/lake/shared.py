"""A lake in a bucket: staged events and publish manifests in PostgreSQL, lake objects PUT once.

Nothing the next owner of a partition needs lives on this host's disk. A checkpoint stages its
batch as a row of its own transaction (``postgres/staging.py``), so there is nothing uncommitted
to discard. A publish runs in two transactions, each holding the partition's lock:

1. record the offset range to publish (the staged rows there now), unless an interrupted publish
   left one: that one is finished first, with exactly its inputs;
2. write each UTC hour's Parquet file to the lake at its final key
   ``year=../hour=H/part-<topic>-<partition>-<first>-<last>.parquet`` as one PUT (or one
   completed multipart upload), then delete the range's rows and the record.

A crash after (1) leaves the record: the next owner writes the same keys with the same content
(the same rows, in the same order) and finishes. Readers see each object whole or not at all, and
each event in exactly one object. Nothing is copied or renamed in the bucket.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa

from common.errors import LakeUnavailable, one_line
from common.lake import hour_prefix
from common.lake_store import LakeStore

from ..postgres import staging as rows
from ..postgres.connection import ReconnectingConnection
from ..postgres.offsets import lock_partition
from ..records import TopicPartition
from .durable import ipc_buffer, read_ipc_buffer
from .hour_files import write_hour_files
from .manifest import lake_file_name


class RowStager:
    """Stages a partition's batches as rows of the checkpoint's transaction."""

    def __init__(self, conn: psycopg.Connection[Any], tp: TopicPartition) -> None:
        self._conn, self._tp = conn, tp

    def stage(self, first: int, last: int, events: pa.Table) -> None:
        rows.stage_events(self._conn, self._tp, first, last, memoryview(ipc_buffer(events)))


class SharedStaging:
    """Staging in PostgreSQL, shared by every host; a lake on any ``LakeStore`` (a bucket, in practice)."""

    def __init__(self, lake: LakeStore, temp: Path) -> None:
        self._lake, self._temp = lake, temp

    def take(self, conn: psycopg.Connection[Any], tp: TopicPartition) -> tuple[RowStager, int]:
        """Lock ``tp``: uncommitted batches never became rows, so there is nothing to discard."""
        return RowStager(conn, tp), lock_partition(conn, tp)

    def publish(self, db: ReconnectingConnection, tp: TopicPartition) -> list[str]:
        """Finish an interrupted publish, then publish everything staged; the lake objects written."""
        written: list[str] = []
        for _ in range(2):
            planned = db.transaction(self._plan, tp)
            if planned is None:
                break
            span, interrupted = planned
            written += db.transaction(self._execute, tp, span)
            if not interrupted:
                break
        return written

    def partitions(self, db: ReconnectingConnection, topic: str) -> list[TopicPartition]:
        return db.transaction(rows.staged_partitions, topic)

    def _plan(self, conn: psycopg.Connection[Any], tp: TopicPartition) -> tuple[rows.OffsetRange, bool] | None:
        lock_partition(conn, tp)
        if (span := rows.publishing(conn, tp)) is not None:
            return span, True
        staged = rows.staged_ranges(conn, tp)
        if not staged:
            return None
        span = (staged[0][0], staged[-1][1])
        rows.start_publishing(conn, tp, span)
        return span, False

    def _execute(self, conn: psycopg.Connection[Any], tp: TopicPartition, span: rows.OffsetRange) -> list[str]:
        lock_partition(conn, tp)
        if rows.publishing(conn, tp) != span:
            return []  # a later owner finished this publish while we waited for the lock
        tmp = self._temp / tp.topic / str(tp.partition)
        shutil.rmtree(tmp, ignore_errors=True)  # leftovers of a crash on this host, ours under the lock
        name = lake_file_name(tp, *span)
        written: list[str] = []

        def put(hour: int, path: Path) -> None:
            relative = f"{hour_prefix(hour * 3600)}/{name}"
            try:
                written.append(self._lake.uri(self._lake.put(relative, path.read_bytes())))
            except OSError as e:
                raise LakeUnavailable(f"cannot write {self._lake.uri(self._lake.path(relative))}: {one_line(e)}") from e
            path.unlink()

        batches = (read_ipc_buffer(rows.staged_events(conn, tp, first)) for first, _ in rows.staged_ranges(conn, tp, span))
        write_hour_files(batches, tmp, put)
        rows.delete_staged(conn, tp, span)
        rows.finish_publishing(conn, tp)
        return written
