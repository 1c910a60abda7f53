"""A frame as the data of one ``COPY ... FROM STDIN (FORMAT binary)``, built column-wise.

PostgreSQL's binary COPY format: a 19-byte header, then per row a 16-bit field count and per field
a 32-bit length (-1 for NULL) and the value (``int8``: 8 bytes big-endian; ``timestamp``: 8 bytes
big-endian, microseconds since 2000-01-01; ``text``: its UTF-8 bytes), then a 16-bit -1. Each row is
a few pieces: runs of fixed-width bytes (the field count, lengths, integers and timestamps, packed
side by side by numpy) between the text values; Arrow's ``binary_join_element_wise`` joins every
row's pieces at once, and the joined rows lie back to back in its data buffer. No Python per row,
no byte-by-byte index (the server then parses no text either).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags (no OIDs), header extension length 0
TRAILER = b"\xff\xff"
_PG_EPOCH_US = 946_684_800 * 1_000_000  # 2000-01-01 in microseconds since 1970-01-01
_EMPTY = pa.scalar(b"", pa.large_binary())  # also the separator of the joined pieces: none


def _fixed(columns: list[np.ndarray], n: int) -> pa.Array:
    """Big-endian fixed-width values, one array per field, packed side by side: one binary value per row."""
    packed = np.empty(n, dtype=[(f"f{i}", c.dtype) for i, c in enumerate(columns)])
    for i, column in enumerate(columns):
        packed[f"f{i}"] = column
    width = packed.dtype.itemsize
    fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), n, [None, pa.py_buffer(packed.tobytes())])
    return fixed.cast(pa.large_binary())


def _eight_bytes(series: pl.Series) -> np.ndarray:
    """An Int64 or naive Datetime column as int64 (timestamps in microseconds since 2000-01-01), NULL as 0."""
    if series.dtype == pl.Int64:
        return series.fill_null(0).to_numpy()
    if isinstance(series.dtype, pl.Datetime) and series.dtype.time_zone is None:
        return series.dt.cast_time_unit("us").to_physical().fill_null(0).to_numpy() - _PG_EPOCH_US
    raise TypeError(f"column {series.name} of type {series.dtype} has no binary COPY encoding here")


def _lengths(valid: np.ndarray, lengths: np.ndarray | int) -> np.ndarray:
    return np.where(valid, lengths, -1).astype(">i4")


def _pieces(frame: pl.DataFrame) -> list[pa.Array]:
    """Every row's bytes as pieces, in order: fixed-width runs and text values (NULL text as empty)."""
    n = frame.height
    pieces: list[pa.Array] = []
    run: list[np.ndarray] = [np.full(n, frame.width, dtype=">i2")]
    for name in frame.columns:
        series = frame.get_column(name)
        valid = series.is_not_null().to_numpy()
        dtype = series.dtype
        if dtype == pl.String:
            text = series.to_arrow()
            text = (text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text).cast(pa.large_binary())
            run.append(_lengths(valid, pc.binary_length(text).fill_null(0).to_numpy()))
            pieces += [_fixed(run, n), text.fill_null(b"")]
            run = []
        else:
            value = _eight_bytes(series).astype(">i8")
            run.append(_lengths(valid, 8))
            if valid.all():
                run.append(value)
            else:  # a NULL has its length only: the values become a piece of their own, empty where NULL
                pieces += [_fixed(run, n), pc.if_else(pa.array(valid), _fixed([value], n), _EMPTY)]
                run = []
    if run:
        pieces.append(_fixed(run, n))
    return pieces


def binary_copy(frame: pl.DataFrame) -> bytes:
    """The whole binary COPY data of ``frame`` (String -> text, Int64 -> int8, naive Datetime -> timestamp)."""
    pieces = _pieces(frame)
    if not frame.height:
        return SIGNATURE + TRAILER
    rows = pc.binary_join_element_wise(*pieces, _EMPTY)
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)[rows.offset:rows.offset + len(rows) + 1]
    data = rows.buffers()[2]
    body = data[int(offsets[0]):int(offsets[-1])].to_pybytes() if data is not None else b""
    return SIGNATURE + body + TRAILER
