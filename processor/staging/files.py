"""The staged files of a lake in a folder: one Arrow IPC file per committed batch, per partition.

``$DATA_DIR/staging/<topic>/<partition>/<first offset>-<last offset>-<token>.arrow`` (Arrow IPC, LZ4;
the token is the writer's own, so two writers of one offset range never share a name). A file is
*committed* once its name is in a row of ``processor_staging`` (inserted in the checkpoint's
transaction, ``folder.FolderWriter``); files at or beyond ``next_offset``, every temporary file
of the partition (``$DATA_DIR/tmp/<topic>/<partition>/``), and, before a publish, any file no row
names (a crash's, or a zombie's written after its transaction died, even for the very range the new
owner committed) are discarded under the partition's lock. Files of the code before migration 0008
are named without a token.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from ..lake.durable import file_system, remove, write_ipc_atomically
from ..records import TopicPartition

_NAME = re.compile(r"^(\d{20})-(\d{20})(-[0-9a-f]{16})?\.arrow$")


@dataclass(frozen=True, order=True)
class StagedFile:
    first: int
    last: int
    path: Path


def partitions_with_files(staged: Path, topic: str) -> list[TopicPartition]:
    """Partitions of ``topic`` with something in ``staged`` (batch files or an interrupted publish)."""
    folder = staged / topic
    if not folder.is_dir():
        return []
    return sorted(TopicPartition(topic, int(p.name)) for p in folder.iterdir()
                  if p.name.isdigit() and any(p.iterdir()))


class StagedFiles:
    """Staged batch files and temporary files of one topic partition, under ``staged`` and ``temp``
    (``DATA_DIR/staging``, ``DATA_DIR/tmp``)."""

    def __init__(self, staged: Path, temp: Path, tp: TopicPartition) -> None:
        self.folder = staged / tp.topic / str(tp.partition)
        self.tmp_folder = temp / tp.topic / str(tp.partition)

    def temp_for(self, final: Path) -> Path:
        """Where ``final`` is written before it is renamed into place (a name no other writer shares)."""
        return self.tmp_folder / f"{final.name}.{uuid.uuid4().hex[:12]}.tmp"

    def new_path(self, first: int, last: int) -> Path:
        """A name for a batch's file that no other writer of the same range can take."""
        return self.folder / f"{first:020d}-{last:020d}-{uuid.uuid4().hex[:16]}.arrow"

    def files(self) -> list[StagedFile]:
        """Staged files in offset order."""
        if not self.folder.exists():
            return []
        found = []
        for path in self.folder.iterdir():
            if m := _NAME.match(path.name):
                found.append(StagedFile(int(m[1]), int(m[2]), path))
        return sorted(found)

    def discard_uncommitted(self, next_offset: int) -> list[StagedFile]:
        """Delete files the database never committed, and every temporary leftover (the publisher's hour
        files are written in the same ``tmp_folder``, but only while it holds the partition's row lock, as
        the caller does: ``publisher.Publisher.execute``)."""
        with file_system(self.folder):
            gone = [f for f in self.files() if f.first >= next_offset]
            temps = list(self.tmp_folder.iterdir()) if self.tmp_folder.exists() else []
            remove([f.path for f in gone] + temps)
        return gone

    def discard_unrecorded(self, recorded: set[str]) -> list[StagedFile]:
        """Delete staged files that no committed transaction recorded (``recorded``: the names rows hold)."""
        with file_system(self.folder):
            gone = [f for f in self.files() if f.path.name not in recorded]
            remove([f.path for f in gone])
        return gone

    def stage(self, first: int, last: int, events: pa.Table) -> StagedFile:
        """Write one batch's events durably, under its offset range and a token of this writer's."""
        path = self.new_path(first, last)
        # Staged files are read once, by the publish: Arrow IPC costs no encoding; the lake gets Parquet.
        with file_system(self.folder):
            write_ipc_atomically(events, path, self.temp_for(path))
        return StagedFile(first, last, path)
