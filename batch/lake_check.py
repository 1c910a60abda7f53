"""Checking one lake file from its footer alone: readable, the event columns with usable types,
no nulls, and every event inside the hour its folder names (from the row-group statistics).
"""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from common.errors import LakeError, one_line
from common.lake_store import LakeObject

from .hours import label
from .row_check import time_range

COLUMNS = ("id", "antenna_id", "bytes", "app")
_UTC = ("UTC", "+00:00", "Etc/UTC")


def _type_problem(name: str, kind: pa.DataType) -> str | None:
    if isinstance(kind, pa.DictionaryType):
        kind = kind.value_type
    if name == "timestamp":
        ok = pa.types.is_timestamp(kind) and str(kind.tz) in _UTC
        return None if ok else f"column timestamp is {kind}, expected timestamp[us, tz=UTC]"
    if name == "bytes":
        return None if pa.types.is_integer(kind) else f"column bytes is {kind}, expected int64"
    text = pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    return None if text else f"column {name} is {kind}, expected string"


def schema_problem(schema: pa.Schema) -> str | None:
    """What makes ``schema`` unusable as events, or None."""
    missing = [c for c in ("timestamp", *COLUMNS) if c not in schema.names]
    if missing:
        return f"missing column(s) {', '.join(missing)}"
    for name in ("timestamp", *COLUMNS):
        if problem := _type_problem(name, schema.field(name).type):
            return problem
    return None


def time_bounds(meta: pq.FileMetaData, group: int) -> tuple[int, int] | None:
    """The row group's smallest and largest timestamp as stored (integers), if its statistics say."""
    row_group = meta.row_group(group)
    for index in range(row_group.num_columns):
        chunk = row_group.column(index)
        if chunk.path_in_schema == "timestamp":
            stats = chunk.statistics
            if stats is not None and stats.has_min_max and isinstance(stats.min_raw, int):
                return stats.min_raw, int(stats.max_raw)
    return None


def statistics_problem(meta: pq.FileMetaData, schema: pa.Schema, hour: datetime) -> str | None:
    """Nulls, or events outside ``hour``, as far as the row-group statistics tell (usually fully:
    what they do not bound, the reader checks in the rows, ``batch/row_check.py``)."""
    low, high = time_range(hour, schema.field("timestamp").type.unit)
    for group in range(meta.num_row_groups):
        row_group = meta.row_group(group)
        for index in range(row_group.num_columns):
            chunk = row_group.column(index)
            name, stats = chunk.path_in_schema, chunk.statistics
            if stats is not None and name in ("timestamp", *COLUMNS) and stats.has_null_count and stats.null_count:
                return f"column {name} has {stats.null_count} null value(s)"
        bounds = time_bounds(meta, group)
        if bounds is not None and (bounds[0] < low or bounds[1] >= high):
            first, last = (pa.scalar(b, schema.field("timestamp").type).as_py() for b in bounds)
            return f"holds events from {first} to {last}, outside hour {label(hour)}"
    return None


def check_file(filesystem: pafs.FileSystem, file: LakeObject, hour: datetime) -> int:
    """Raise ``LakeError`` naming ``file`` unless it holds well-typed events of ``hour``; its row count."""
    try:
        with filesystem.open_input_file(file.path) as source:
            parquet = pq.ParquetFile(source)
            schema, meta = parquet.schema_arrow, parquet.metadata
    except (OSError, pa.ArrowException) as e:
        raise LakeError(f"unreadable Parquet file {file.uri}: {one_line(e)}") from e
    problem = schema_problem(schema) or statistics_problem(meta, schema, hour)
    if problem:
        raise LakeError(f"wrong Parquet file {file.uri}: {problem}")
    return meta.num_rows
