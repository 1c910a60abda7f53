"""A lake in a folder: staged events as files in ``DATA_DIR``, their ranges in PostgreSQL rows.

The checkpoint's ``FolderWriter`` writes each batch as a durable file (``files.py``), then records its
range in the checkpoint's transaction; ``FolderStaging`` owns a partition for a transaction (its offset
row locked, files PostgreSQL never committed gone) and publishes through ``publisher.Publisher``,
renaming each finished hour file into the lake folder. One host owns the folder. To the publisher
``FolderStaging`` is both sides (``contract.Batches``: ``lock``, ``tidy``, ``read``, ``forget``; and
``contract.LakeSink``: ``commit``, a rename by ``lake.durable.commit_temp``, not ``LakeStore.put``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa

from common.lake import hour_dir

from ..lake.durable import commit_temp, file_system, read_ipc, remove
from ..postgres.connection import ReconnectingConnection
from ..postgres.offsets import claim_unrecorded_staging, lock_partition
from ..records import TopicPartition
from . import rows
from .files import StagedFile, StagedFiles, partitions_with_files
from .legacy import LegacyManifest, adopt_legacy
from .publisher import PIECE, Piece, Publisher


class FolderWriter:
    """Stages a batch as a durable file, then records its range in the checkpoint's transaction."""

    def __init__(self, conn: psycopg.Connection[Any], files: StagedFiles, tp: TopicPartition) -> None:
        self._conn, self._files, self._tp = conn, files, tp

    def stage(self, first: int, last: int, events: pa.Table) -> StagedFile:
        staged = self._files.stage(first, last, events)
        rows.stage_events(self._conn, self._tp, first, last, None, staged.path.name)
        return staged


class FolderStaging:
    """Staged files in ``DATA_DIR/staging``, their ranges in PostgreSQL, published into a lake folder."""

    def __init__(self, staged: Path, temp: Path, lake: Path, piece: Piece = PIECE) -> None:
        self._staged, self._temp, self._lake = staged, temp, lake
        self._publisher = Publisher(self, self, temp, piece)

    def files(self, tp: TopicPartition) -> StagedFiles:
        return StagedFiles(self._staged, self._temp, tp)

    def take(self, conn: psycopg.Connection[Any], tp: TopicPartition) -> tuple[FolderWriter, int]:
        return FolderWriter(conn, self.files(tp), tp), self.lock(conn, tp)

    def publish(self, db: ReconnectingConnection, tp: TopicPartition) -> list[str]:
        """Publish holding ``tp``'s lock piece by piece, so no zombie can interleave."""
        return self._publisher.publish(db, tp)

    def partitions(self, db: ReconnectingConnection, topic: str) -> list[TopicPartition]:
        return partitions_with_files(self._staged, topic)

    # contract.Batches: the events of recorded batches are staged files.
    def lock(self, conn: psycopg.Connection[Any], tp: TopicPartition) -> int:
        """Lock ``tp``, adopt pre-0008 files once, drop files at or past ``next_offset`` and temporary files."""
        next_offset = lock_partition(conn, tp)
        files = self.files(tp)
        if claim_unrecorded_staging(conn, tp):
            adopt_legacy(conn, files, self._lake, tp, next_offset)
        files.discard_uncommitted(next_offset)
        return next_offset

    def tidy(self, tp: TopicPartition, staged: list[rows.StagedBatch]) -> None:
        """Under the lock, before a plan: files no COMMIT recorded are a crash's or a zombie's."""
        self.files(tp).discard_unrecorded({b.file for b in staged if b.file is not None})

    def read(self, conn: psycopg.Connection[Any], tp: TopicPartition, batch: rows.StagedBatch) -> pa.Table:
        """The events of the file the batch's row names (never another writer's file of the same range)."""
        assert batch.file is not None, f"staged batch {tp}@{batch.first} of a folder lake names no file"
        return read_ipc(self.files(tp).folder / batch.file)

    def forget(self, tp: TopicPartition, batches: list[rows.OffsetRange]) -> None:
        """Every file of the published ranges: the recorded one, and any zombie's of the same range."""
        files, published = self.files(tp), set(batches)
        with file_system(files.folder):
            remove([f.path for f in files.files() if (f.first, f.last) in published] + [LegacyManifest.path(files)])

    # contract.LakeSink: hour files renamed into the lake folder.
    def commit(self, hour: int, name: str, tmp: Path) -> str:
        final = hour_dir(self._lake, hour * 3600) / name
        with file_system(self._lake):
            commit_temp(tmp, final)
        return str(final)
