"""One hour of the lake: its visible files, their fingerprint, and reading exactly them into key sums.

Only the hour's own folder (in a bucket: its prefix) is listed, never the whole lake. Which files
count is ``common.lake.counts``: ``*.parquet`` files, but no name starting with ``.`` or ``_`` (other
tools' bookkeeping, and the writers' temporary files).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial

import polars as pl
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from common.errors import LakeError, one_line
from common.lake import DEFAULT_MAX_EVENT_BYTES, counts, hour_prefix
from common.lake_store import LakeObject, LakeStore

from .hours import label
from .key_sums import KEYS, BadRow, KeySums
from .lake_check import COLUMNS, check_file, time_bounds

# One reader thread per core (at least two): pyarrow's decoding releases the GIL.
READERS = max(2, os.cpu_count() or 2)
BATCH_ROWS = 2_000_000  # rows summed in one pass: few calls, bounded memory (about 40 MB per reader)


@dataclass(frozen=True)
class HourFiles:
    """The files of one hour as listed now, and a fingerprint that changes when any of them does."""

    store: LakeStore
    hour: datetime
    folder: str  # as messages name it
    files: tuple[LakeObject, ...]
    fingerprint: str


def fingerprint(files: Iterable[LakeObject]) -> str:
    """Digest of the files' names, sizes and modification times, as listed ('' for no files)."""
    digest, empty = hashlib.sha256(), True
    for f in files:
        digest.update(f"{f.name}\0{f.size}\0{f.mtime_ns}\n".encode())
        empty = False
    return "" if empty else digest.hexdigest()[:32]


def visible(objects: Iterable[LakeObject]) -> tuple[LakeObject, ...]:
    """The objects that count (``common.lake.counts``): readers take these and only these."""
    return tuple(o for o in objects if counts(o.name))


def list_hour(store: LakeStore, hour: datetime) -> HourFiles:
    """Visible ``*.parquet`` files of ``hour``'s folder, by name (none if the folder is missing)."""
    prefix = hour_prefix(hour)
    files = visible(store.files(prefix))
    return HourFiles(store, hour, store.uri(store.path(prefix)), files, fingerprint(files))


def check_hour(files: HourFiles) -> int:
    """Check every file of the hour (``LakeError`` naming the first bad one); total row count."""
    return sum(check_file(files.store.filesystem, f, files.hour) for f in files.files)


def batches(filesystem: pafs.FileSystem, file: LakeObject, rows: int = BATCH_ROWS) -> Iterator[tuple[int, pa.Table]]:
    """The event columns of one file, several row groups (about ``rows`` rows) at a time, each with
    the number of its first row in the file.

    ``read_dictionary`` keeps the file's own dictionary encoding: the strings of a row group are
    decoded once per distinct value, never once per row. From a bucket, each row group's column
    chunks are fetched with coalesced ranged reads (``pre_buffer``). ``timestamp`` is read only for
    row groups whose statistics do not bound it (``check_file`` checked those that do).
    """
    with filesystem.open_input_file(file.path) as source:
        parquet = pq.ParquetFile(source, read_dictionary=list(KEYS),
                                 pre_buffer=isinstance(filesystem, pafs.S3FileSystem))
        meta = parquet.metadata
        groups: list[int] = []
        pending = first = 0
        for group in range(parquet.num_row_groups):
            groups.append(group)
            pending += meta.row_group(group).num_rows
            if pending >= rows or group == parquet.num_row_groups - 1:
                unbounded = any(time_bounds(meta, g) is None for g in groups)
                columns = [*COLUMNS, "timestamp"] if unbounded else list(COLUMNS)
                yield first, parquet.read_row_groups(groups, columns=columns, use_threads=False)
                groups, first, pending = [], first + pending, 0


def _read(filesystem: pafs.FileSystem, hour: datetime, max_event_bytes: int, files: list[LakeObject]) -> KeySums:
    sums = KeySums(max_event_bytes, hour)
    for file in files:
        for first, batch in batches(filesystem, file):
            try:
                sums.add(batch)
            except BadRow as e:
                raise LakeError(f"wrong Parquet file {file.uri}: row {first + e.row}: {e.rule} "
                                "(breaks the input contract)") from e
    return sums


def read_sums(files: HourFiles, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> list[pl.DataFrame]:
    """Exact sums of bytes per id, antenna_id and app over the hour's files (bounded memory), every
    row checked against the input contract first (``LakeError`` naming the file, row and rule).

    Files are shared between ``READERS`` threads (largest first, to balance them); each keeps
    its own running sums, merged at the end.
    """
    largest_first = sorted(files.files, key=lambda f: f.size, reverse=True)
    shares = [largest_first[i::READERS] for i in range(READERS)]
    read = partial(_read, files.store.filesystem, files.hour, max_event_bytes)
    with ThreadPoolExecutor(READERS, thread_name_prefix="batch-read") as pool:
        parts = list(pool.map(read, [share for share in shares if share]))
    total = KeySums()
    for part in parts:
        total.extend(part)
    return total.totals()


def locate_failure(files: HourFiles, error: Exception) -> LakeError:
    """The ``LakeError`` for a read that failed: the first file pyarrow cannot read, if any."""
    for f in files.files:
        try:
            pq.read_table(f.path, columns=list(COLUMNS), filesystem=files.store.filesystem)
        except (OSError, pa.ArrowException) as e:
            return LakeError(f"unreadable Parquet file {f.uri}: {one_line(e)}")
    return LakeError(f"cannot read the files of hour {label(files.hour)} in {files.folder}: {one_line(error)}")
