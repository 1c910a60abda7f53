"""Moving a partition's committed batches into the lake, in bounded pieces: one design for both lakes.

What is committed, and so may be published, is recorded in PostgreSQL (``rows.py``):
a row per batch of ``processor_staging``, inserted in the checkpoint's transaction. The batches'
events live in one of two places, a ``Batches``: staged files in ``DATA_DIR`` (a lake in a folder)
or the rows themselves (a lake in a bucket). Each piece of a publish is two transactions, each
holding the partition's lock:

1. record the offset range of the piece in ``processor_publishing`` (a bounded prefix of the staged
   batches, ``Piece``), unless an interrupted publish left one: that one is finished first;
2. write each UTC hour's Parquet file of the range, named
   ``part-<topic>-<partition>-<first>-<last>.parquet`` after the recorded range (``LakeSink``), then
   delete the range's rows and the record; after COMMIT the batches' files are deleted.

A crash or a zombie anywhere can only ever write the names of a recorded range, with the contents
its recorded batches give. A backlog is drained piece after piece, each holding the lock for a
bounded amount of I/O, so checkpoints of the partition interleave.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from ..lake.durable import file_system
from ..lake.hour_files import write_hour_files
from ..lake.manifest import lake_file_name
from ..postgres.connection import ReconnectingConnection
from ..records import TopicPartition
from . import rows
from .contract import Batches, LakeSink


@dataclass(frozen=True)
class Piece:
    """The most one publish transaction takes: offsets covered and bytes held in PostgreSQL (at least one batch)."""

    offsets: int = 1_000_000
    bytes: int = 64 * 2**20


PIECE = Piece()  # the default: a million offsets or 64 MiB of staged rows


def next_piece(staged: list[rows.StagedBatch], bound: Piece) -> rows.OffsetRange | None:
    """The range of the longest prefix of ``staged`` within ``bound`` (the first batch always)."""
    if not staged:
        return None
    offsets = size = 0
    last = staged[0].last
    for batch in staged:
        offsets += batch.last - batch.first + 1
        size += batch.size
        if batch is not staged[0] and (offsets > bound.offsets or size > bound.bytes):
            break
        last = batch.last
    return staged[0].first, last


class Publisher:
    """Publishes a partition's recorded batches from ``batches`` into ``sink``, piece by piece."""

    def __init__(self, batches: Batches, sink: LakeSink, temp: Path, piece: Piece) -> None:
        self._batches, self._sink, self._temp, self._piece = batches, sink, temp, piece

    def publish(self, db: ReconnectingConnection, tp: TopicPartition) -> list[str]:
        """Finish an interrupted publish, then publish what is staged now; the lake objects written."""
        written: list[str] = []
        end: int | None = None
        while (planned := db.transaction(self.plan, tp)) is not None:
            span, staged_end = planned
            end = staged_end if end is None else end
            done, published = db.transaction(self.execute, tp, span)
            self._batches.forget(tp, published)
            written += done
            if span[1] >= end:
                break  # what was staged when we began is in the lake; newer batches wait for their turn
        return written

    def plan(self, conn: psycopg.Connection[Any], tp: TopicPartition) -> tuple[rows.OffsetRange, int] | None:
        """Record the range of the next piece (or find an interrupted one); it and the last staged offset."""
        self._batches.lock(conn, tp)
        staged = rows.staged_batches(conn, tp)
        self._batches.tidy(tp, staged)
        end = staged[-1].last if staged else -1
        if (span := rows.publishing(conn, tp)) is not None:
            return span, max(end, span[1])
        if (span := next_piece(staged, self._piece)) is None:
            return None
        rows.start_publishing(conn, tp, span)
        return span, end

    def execute(self, conn: psycopg.Connection[Any], tp: TopicPartition,
                span: rows.OffsetRange) -> tuple[list[str], list[rows.OffsetRange]]:
        """Write the recorded range's hour files, then delete its rows and record; (written, batches published)."""
        self._batches.lock(conn, tp)
        if rows.publishing(conn, tp) != span:
            return [], []  # a later owner finished this publish while we waited for the lock
        tmp = self._temp / tp.topic / str(tp.partition)
        name = lake_file_name(tp, *span)
        batches = rows.staged_batches(conn, tp, span)
        written: list[str] = []
        with file_system(tmp):
            shutil.rmtree(tmp, ignore_errors=True)  # leftovers of a crash on this host, ours under the lock
            write_hour_files(lambda: (self._batches.read(conn, tp, b) for b in batches), tmp,
                             lambda hour, path: written.append(self._sink.commit(hour, name, path)))
        rows.delete_staged(conn, tp, span)
        rows.finish_publishing(conn, tp)
        return written, [(b.first, b.last) for b in batches]
