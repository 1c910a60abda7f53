"""One hour of the lake: its visible files, their fingerprint, and a Polars scan of exactly them.

Only the hour's own folder is listed, never the whole lake. Names starting with ``.`` or ``_``
are files the speed layer is still writing and are skipped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from common.errors import LakeError
from common.lake import hour_dir, is_hidden

from .hours import label
from .lake_check import COLUMNS, check_file, one_line


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


def scan(files: HourFiles) -> pl.LazyFrame:
    """A lazy scan of exactly these files: no directory listing, no hive columns.

    No ``select`` here on purpose: with one, the three group-bys share a common sub-plan that
    ``collect_all`` materialises (2.8 GB for 50M events); without it, each group-by streams its
    own columns in bounded memory (~0.6 GB).
    """
    return pl.scan_parquet(list(files.files), hive_partitioning=False, extra_columns="ignore",
                           cast_options=pl.ScanCastOptions(integer_cast="upcast"))


def locate_failure(files: HourFiles, error: Exception) -> LakeError:
    """The ``LakeError`` for a scan that failed: the first file pyarrow cannot read, if any."""
    for path in files.files:
        try:
            pq.read_table(path, columns=list(COLUMNS))
        except (OSError, pa.ArrowException) as e:
            return LakeError(f"unreadable Parquet file {path}: {one_line(e)}")
    return LakeError(f"cannot read the files of hour {label(files.hour)} in {files.folder}: {one_line(error)}")
