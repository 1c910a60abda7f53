"""One hour of the lake: its visible files, their fingerprint, a check of each file, a Polars scan.

Only the hour's own folder is listed (never the whole lake). Each file's footer is read first, so
an unreadable file, a wrong column type or events of another hour are one ``LakeError`` naming
the file, before anything is aggregated or written.
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

from .hours import HOUR, label

COLUMNS = ("id", "antenna_id", "bytes", "app")


@dataclass(frozen=True)
class HourFiles:
    """The files of one hour as listed now, and a fingerprint that changes when any of them does."""

    hour: datetime
    folder: Path
    files: tuple[Path, ...]
    fingerprint: str


def list_hour(lake: Path, hour: datetime) -> HourFiles:
    """Visible ``*.parquet`` files of ``hour``'s folder (none if the folder is missing)."""
    folder = hour_dir(lake, hour)
    try:
        entries = sorted((e for e in folder.iterdir() if e.is_file()), key=lambda p: p.name)
    except FileNotFoundError:
        entries = []
    files = tuple(p for p in entries if p.suffix == ".parquet" and not is_hidden(p.name))
    digest = hashlib.sha256()
    for path in files:
        stat = path.stat()
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return HourFiles(hour, folder, files, digest.hexdigest()[:32] if files else "")


def _type_problem(name: str, kind: pa.DataType) -> str | None:
    if isinstance(kind, pa.DictionaryType):
        kind = kind.value_type
    if name == "timestamp":
        ok = pa.types.is_timestamp(kind) and str(kind.tz) in ("UTC", "+00:00", "Etc/UTC")
        return None if ok else f"column timestamp is {kind}, expected timestamp[us, tz=UTC]"
    if name == "bytes":
        return None if pa.types.is_integer(kind) else f"column bytes is {kind}, expected int64"
    text = pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    return None if text else f"column {name} is {kind}, expected string"


def _check_timestamps(meta: pq.FileMetaData, index: int, hour: datetime) -> str | None:
    """Events outside ``hour``, judged from the row groups' statistics (present unless disabled)."""
    start, end = hour, hour + HOUR
    for group in range(meta.num_row_groups):
        stats = meta.row_group(group).column(index).statistics
        if stats is None or not stats.has_min_max:
            continue
        low, high = pa.scalar(stats.min, pa.timestamp("us", "UTC")), pa.scalar(stats.max, pa.timestamp("us", "UTC"))
        if low.as_py() < start or high.as_py() >= end:
            return f"holds events from {low} to {high}, outside hour {label(hour)}"
    return None


def check_file(path: Path, hour: datetime) -> int:
    """Raise ``LakeError`` naming ``path`` if it is unreadable or not events of ``hour``; its row count."""
    try:
        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
    except (OSError, pa.ArrowException) as e:
        raise LakeError(f"unreadable Parquet file {path}: {e}") from e
    names = schema.names
    missing = [c for c in ("timestamp", *COLUMNS) if c not in names]
    problem = f"missing columns {', '.join(missing)}" if missing else None
    for name in ("timestamp", *COLUMNS):
        problem = problem or _type_problem(name, schema.field(name).type)
    meta = parquet.metadata
    for name in COLUMNS if problem is None else ():
        index = parquet.schema.names.index(name) if name in parquet.schema.names else -1
        for group in range(meta.num_row_groups if index >= 0 else 0):
            stats = meta.row_group(group).column(index).statistics
            if stats is not None and stats.has_null_count and stats.null_count:
                problem = f"column {name} has {stats.null_count} null values"
                break
    if problem is None and "timestamp" in parquet.schema.names:
        problem = _check_timestamps(meta, parquet.schema.names.index("timestamp"), hour)
    if problem:
        raise LakeError(f"wrong Parquet file {path}: {problem}")
    return meta.num_rows


def scan(files: HourFiles) -> pl.LazyFrame:
    """A lazy scan of exactly these files (no directory listing, no hive columns)."""
    return pl.scan_parquet(list(files.files), hive_partitioning=False, extra_columns="ignore",
                           cast_options=pl.ScanCastOptions(integer_cast="upcast")).select(COLUMNS)


def locate_failure(files: HourFiles, error: Exception) -> LakeError:
    """The ``LakeError`` for a scan that failed: the first file pyarrow cannot read, if any."""
    for path in files.files:
        try:
            pq.read_table(path, columns=list(COLUMNS))
        except (OSError, pa.ArrowException) as e:
            return LakeError(f"unreadable Parquet file {path}: {e}")
    return LakeError(f"cannot read the files of hour {label(files.hour)} in {files.folder}: {error}")
