"""Owning a partition for one transaction: its offset row locked, what PostgreSQL never committed gone.

Both writers of a partition's staged events, the checkpoint (staging) and the publish (lake), start
here. One staging design serves both lakes: each committed batch's offset range is a row of
``processor_staging`` inserted in the checkpoint's transaction, and a publish records its range in
``processor_publishing`` before it writes to the lake (``lake/publish.py``). Only the place of the
events differs (``Staging``): ``FolderStaging`` keeps them as files in ``DATA_DIR`` next to a lake in
a folder (one host); ``lake.shared.SharedStaging`` keeps them in the rows, for a lake in a bucket.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import psycopg
import pyarrow as pa

from common.lake import hour_dir

from .lake.durable import commit_temp, file_system, read_ipc, remove
from .lake.manifest import LegacyManifest
from .lake.publish import PIECE, Piece, Publisher
from .lake.staging import StagedFile, StagingArea, StagingRoot
from .postgres import staging as rows
from .postgres.connection import ReconnectingConnection
from .postgres.offsets import claim_unrecorded_staging, lock_partition
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


class FolderStager:
    """Stages a batch as a durable file, then records its range in the checkpoint's transaction."""

    def __init__(self, conn: psycopg.Connection[Any], area: StagingArea, tp: TopicPartition) -> None:
        self._conn, self._area, self._tp = conn, area, tp

    def stage(self, first: int, last: int, events: pa.Table) -> StagedFile:
        staged = self._area.stage(first, last, events)
        rows.stage_events(self._conn, self._tp, first, last, None, staged.path.name)
        return staged


def adopt_legacy(conn: psycopg.Connection[Any], area: StagingArea, lake: Path, tp: TopicPartition,
                 next_offset: int) -> None:
    """Record the staged files of the code before migration 0008 (no rows): committed if below ``next_offset``.

    An interrupted publish it left (``_publish.json``) becomes the publish record of its inputs'
    range, so it is finished with the same names; one whose outputs are all written only loses its inputs.
    """
    with file_system(area.folder):
        if (manifest := LegacyManifest.load(area)) is not None:
            inputs = [f for f in area.files() if f.path.name in manifest.inputs]
            if all((lake / rel).exists() for rel in manifest.outputs.values()):
                remove([f.path for f in inputs] + [LegacyManifest.path(area)])
            elif inputs:
                rows.start_publishing(conn, tp, (inputs[0].first, inputs[-1].last))
        for f in area.files():
            if f.last < next_offset:
                rows.stage_events(conn, tp, f.first, f.last, None, f.path.name)


class FolderStaging:
    """Staged files in ``DATA_DIR/staging``, their ranges in PostgreSQL, published into a lake folder."""

    def __init__(self, root: StagingRoot, lake: Path, piece: Piece = PIECE) -> None:
        self._root, self._lake = root, lake
        self._publisher = Publisher(self, self, root.temp, piece)

    def take(self, conn: psycopg.Connection[Any], tp: TopicPartition) -> tuple[FolderStager, int]:
        return FolderStager(conn, self._root.area(tp), tp), self.lock(conn, tp)

    def publish(self, db: ReconnectingConnection, tp: TopicPartition) -> list[str]:
        """Publish holding ``tp``'s lock piece by piece, so no zombie can interleave."""
        return self._publisher.publish(db, tp)

    def partitions(self, db: ReconnectingConnection, topic: str) -> list[TopicPartition]:
        return self._root.partitions(topic)

    # lake.publish.Batches: the events of recorded batches are files in the staging area.
    def lock(self, conn: psycopg.Connection[Any], tp: TopicPartition) -> int:
        """Lock ``tp``, adopt pre-0008 files once, drop files at or past ``next_offset`` and temporary files."""
        next_offset = lock_partition(conn, tp)
        area = self._root.area(tp)
        if claim_unrecorded_staging(conn, tp):
            adopt_legacy(conn, area, self._lake, tp, next_offset)
        area.discard_uncommitted(next_offset)
        return next_offset

    def tidy(self, tp: TopicPartition, staged: list[rows.StagedBatch]) -> None:
        """Under the lock, before a plan: files no COMMIT recorded are a crash's or a zombie's."""
        self._root.area(tp).discard_unrecorded({b.file for b in staged if b.file is not None})

    def read(self, conn: psycopg.Connection[Any], tp: TopicPartition, batch: rows.StagedBatch) -> pa.Table:
        """The events of the file the batch's row names (never another writer's file of the same range)."""
        assert batch.file is not None, f"staged batch {tp}@{batch.first} of a folder lake names no file"
        return read_ipc(self._root.area(tp).folder / batch.file)

    def forget(self, tp: TopicPartition, batches: list[rows.OffsetRange]) -> None:
        """Every file of the published ranges: the recorded one, and any zombie's of the same range."""
        area, published = self._root.area(tp), set(batches)
        with file_system(area.folder):
            remove([f.path for f in area.files() if (f.first, f.last) in published] + [LegacyManifest.path(area)])

    # lake.publish.LakeSink: hour files renamed into the lake folder.
    def commit(self, hour: int, name: str, tmp: Path) -> str:
        final = hour_dir(self._lake, hour * 3600) / name
        with file_system(self._lake):
            commit_temp(tmp, final)
        return str(final)
