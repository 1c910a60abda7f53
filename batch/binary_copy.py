"""A frame as the data of one ``COPY ... FROM STDIN (FORMAT binary)``, built column-wise with numpy.

PostgreSQL's binary COPY format: a 19-byte header, then per row a 16-bit field count and per field
a 32-bit length (-1 for NULL) and the value (``int8``: 8 bytes big-endian; ``timestamp``: 8 bytes
big-endian, microseconds since 2000-01-01; ``text``: its UTF-8 bytes), then a 16-bit -1. The whole
buffer is laid out at once: each row's start from a cumulative sum of row sizes, each field's bytes
placed with one scatter per column, no Python per row (the server then parses no text either).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags (no OIDs), header extension length 0
TRAILER = b"\xff\xff"
_PG_EPOCH_US = 946_684_800 * 1_000_000  # 2000-01-01 in microseconds since 1970-01-01

# A column's values as bytes: one buffer, each row's start in it and its length (-1: NULL).
Field = tuple[np.ndarray, np.ndarray, np.ndarray]


def _fixed(values: np.ndarray, valid: np.ndarray) -> Field:
    big = values.astype(">i8")
    lengths = np.where(valid, 8, -1).astype(np.int64)
    return big.view(np.uint8), np.arange(len(values), dtype=np.int64) * 8, lengths


def _text(series: pl.Series) -> Field:
    array = series.to_arrow()
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    array = array.cast(pa.large_string())
    n = len(array)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset:array.offset + n + 1]
    data = array.buffers()[2]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
    lengths = np.diff(offsets)
    if array.null_count:
        lengths = np.where(array.is_valid().to_numpy(zero_copy_only=False), lengths, -1)
    return raw, offsets[:-1], lengths


def _field(series: pl.Series) -> Field:
    valid = series.is_not_null().to_numpy()
    dtype = series.dtype
    if dtype == pl.String:
        return _text(series)
    if dtype == pl.Int64:
        return _fixed(series.fill_null(0).to_numpy(), valid)
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
        micros = series.dt.cast_time_unit("us").to_physical().fill_null(0).to_numpy()
        return _fixed(micros - _PG_EPOCH_US, valid)
    raise TypeError(f"column {series.name} of type {dtype} has no binary COPY encoding here")


def binary_copy(frame: pl.DataFrame) -> bytes:
    """The whole binary COPY data of ``frame`` (String -> text, Int64 -> int8, naive Datetime -> timestamp)."""
    fields = [_field(frame.get_column(name)) for name in frame.columns]
    n = frame.height
    sizes = np.full(n, 2, dtype=np.int64)
    for _, _, lengths in fields:
        sizes += 4 + np.maximum(lengths, 0)
    starts = len(SIGNATURE) + np.cumsum(sizes) - sizes
    total = len(SIGNATURE) + int(sizes.sum()) + len(TRAILER)
    out = np.empty(total, dtype=np.uint8)
    out[:len(SIGNATURE)] = np.frombuffer(SIGNATURE, dtype=np.uint8)
    out[total - len(TRAILER):] = np.frombuffer(TRAILER, dtype=np.uint8)
    count = np.array([len(fields)], dtype=">i2").view(np.uint8)
    out[starts] = count[0]
    out[starts + 1] = count[1]
    at = starts + 2
    for raw, begins, lengths in fields:
        _scatter(out, at, lengths.astype(">i4").view(np.uint8), 4)
        at = at + 4
        used = np.maximum(lengths, 0)
        if used.any():
            shift = np.repeat(at - begins, used)  # where a value's bytes go, minus where they are
            source = np.arange(int(used.sum()), dtype=np.int64) + np.repeat(
                begins - (np.cumsum(used) - used), used)
            out[source + shift] = raw[source]
        at = at + used
    return out.tobytes()


def _scatter(out: np.ndarray, at: np.ndarray, values: np.ndarray, width: int) -> None:
    """Place ``width`` bytes per row (``values``, row after row) at ``at``."""
    out[(at[:, None] + np.arange(width)).ravel()] = values
