"""The staging area: one Parquet file per committed batch, per (topic, partition), before the lake.

``$DATA_DIR/staging/<topic>/<partition>/<first offset>-<last offset>.parquet``. A file is
*committed* once ``processor_offsets.next_offset`` is past its last offset; files at or beyond
it are leftovers of a crash and are discarded under the partition's lock before any write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from .files import remove, write_parquet_atomically

_NAME = re.compile(r"^(\d{20})-(\d{20})\.parquet$")


@dataclass(frozen=True, order=True)
class StagedFile:
    first: int
    last: int
    path: Path


class StagingArea:
    """Staged batch files of one topic partition."""

    def __init__(self, root: Path, topic: str, partition: int) -> None:
        self.folder = root / topic / str(partition)

    def files(self) -> list[StagedFile]:
        """Staged files in offset order (temporary files are not listed)."""
        if not self.folder.exists():
            return []
        found = []
        for path in self.folder.iterdir():
            if m := _NAME.match(path.name):
                found.append(StagedFile(int(m[1]), int(m[2]), path))
        return sorted(found)

    def discard_uncommitted(self, next_offset: int) -> list[StagedFile]:
        """Delete files the database never committed, and any temporary leftovers."""
        gone = [f for f in self.files() if f.first >= next_offset]
        temps = list(self.folder.glob(".*")) if self.folder.exists() else []
        remove([f.path for f in gone] + temps)
        return gone

    def stage(self, first: int, last: int, events: pa.Table) -> StagedFile:
        """Write one batch's events durably under its offset range."""
        path = self.folder / f"{first:020d}-{last:020d}.parquet"
        write_parquet_atomically(events, path)
        return StagedFile(first, last, path)
