"""One hour of the lake: its visible files, their fingerprint, and reading exactly them into key sums.

Only the hour's own folder is listed, never the whole lake. Names starting with ``.`` or ``_``
are files the speed layer is still writing and are skipped.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from common.errors import LakeError
from common.lake import hour_dir, is_hidden

from .hours import label
from .key_sums import KEYS, KeySums
from .lake_check import COLUMNS, check_file, one_line

# One reader thread per core: pyarrow's decoding and Polars' group-bys release the GIL. The entry
# point gives Polars a single thread of its own (batch/__main__.py), so they do not contend.
READERS = max(2, os.cpu_count() or 2)
BATCH_ROWS = 2_000_000  # rows summed in one pass: few calls, bounded memory (about 40 MB per reader)


@dataclass(frozen=True)
class HourFiles:
    """The files of one hour as listed now, and a fingerprint that changes when any of them does."""

    hour: datetime
    folder: Path
    files: tuple[Path, ...]
    fingerprint: str


def fingerprint(files: tuple[Path, ...]) -> str:
    """Digest of the files' names, sizes and modification times ('' for no files)."""
    if not files:
        return ""
    digest = hashlib.sha256()
    for path in files:
        stat = path.stat()
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


def list_hour(lake: Path, hour: datetime) -> HourFiles:
    """Visible ``*.parquet`` files of ``hour``'s folder, by name (none if the folder is missing)."""
    folder = hour_dir(lake, hour)
    try:
        names = sorted(e.name for e in folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        names = []
    files = tuple(folder / n for n in names if n.endswith(".parquet") and not is_hidden(n))
    return HourFiles(hour, folder, files, fingerprint(files))


def check_hour(files: HourFiles) -> int:
    """Check every file of the hour (``LakeError`` naming the first bad one); total row count."""
    return sum(check_file(path, files.hour) for path in files.files)


def batches(path: Path, rows: int = BATCH_ROWS) -> Iterator[pa.Table]:
    """The event columns of one file, several row groups (about ``rows`` rows) at a time.

    ``read_dictionary`` keeps the file's own dictionary encoding: the strings of a row group are
    decoded once per distinct value, never once per row.
    """
    parquet = pq.ParquetFile(path, read_dictionary=list(KEYS))
    groups: list[int] = []
    pending = 0
    for group in range(parquet.num_row_groups):
        groups.append(group)
        pending += parquet.metadata.row_group(group).num_rows
        if pending >= rows or group == parquet.num_row_groups - 1:
            yield parquet.read_row_groups(groups, columns=list(COLUMNS), use_threads=False)
            groups, pending = [], 0


def _read(paths: list[Path]) -> KeySums:
    sums = KeySums()
    for path in paths:
        for batch in batches(path):
            sums.add(batch)
    return sums


def read_sums(files: HourFiles) -> list[pl.DataFrame]:
    """Exact sums of bytes per id, antenna_id and app over the hour's files (bounded memory).

    Files are shared between ``READERS`` threads (largest first, to balance them); each keeps
    its own running sums, merged at the end.
    """
    paths = sorted(files.files, key=lambda p: p.stat().st_size, reverse=True)
    shares = [paths[i::READERS] for i in range(READERS)]
    with ThreadPoolExecutor(READERS, thread_name_prefix="batch-read") as pool:
        parts = list(pool.map(_read, [share for share in shares if share]))
    total = KeySums()
    for part in parts:
        total.extend(part)
    return total.totals()


def locate_failure(files: HourFiles, error: Exception) -> LakeError:
    """The ``LakeError`` for a scan that failed: the first file pyarrow cannot read, if any."""
    for path in files.files:
        try:
            pq.read_table(path, columns=list(COLUMNS))
        except (OSError, pa.ArrowException) as e:
            return LakeError(f"unreadable Parquet file {path}: {one_line(e)}")
    return LakeError(f"cannot read the files of hour {label(files.hour)} in {files.folder}: {one_line(error)}")
