"""The input contract on rows read from the lake (the pure core of item "foreign files").

The speed layer writes only events that passed the input contract (RELIABILITY.md), but a lake is
a folder or a bucket: anyone can add a file. Every batch the job reads is checked against the same
rules before it is summed: ``id``, ``antenna_id`` and ``app`` valid UTF-8 of 1 to ``MAX_TEXT``
code points without U+0000; ``bytes`` in ``[0, max_event_bytes]``; no nulls; ``timestamp`` (when
the file's statistics cannot vouch for it) inside the hour and in ``[0, MAX_EPOCH)``.

Keys are checked on their dictionaries (one string per distinct value, never one per row); only a
dictionary entry that breaks a rule costs a look at the rows, to tell whether a row uses it and
which one comes first.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from common.lake import MAX_EPOCH, MAX_TEXT

from .hours import HOUR, label

KEYS = ("id", "antenna_id", "app")
_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
Problem = tuple[int, str]  # (row of the table, rule it breaks)


def time_range(hour: datetime, unit: str) -> tuple[int, int]:
    """``[low, high)`` of the hour in ``unit`` since the epoch, inside the contract's ``[0, MAX_EPOCH)``."""
    start = int(hour.timestamp())
    return max(start, 0) * _PER_SECOND[unit], min(start + int(HOUR.total_seconds()), MAX_EPOCH) * _PER_SECOND[unit]


def _entry_problem(value: bytes) -> str | None:
    try:
        text = value.decode()
    except UnicodeDecodeError:
        return "is not valid UTF-8"
    if not text:
        return "is empty"
    if "\0" in text:
        return "holds U+0000"
    return f"has {len(text)} characters, more than {MAX_TEXT}" if len(text) > MAX_TEXT else None


def _bad_entries(dictionary: pa.Array) -> np.ndarray:
    """Positions of the dictionary's strings that break a rule (usually none: one vectorised pass)."""
    try:
        dictionary.validate(full=True)  # UTF-8 of every string
    except pa.ArrowInvalid:
        return np.arange(len(dictionary))  # told apart one by one below
    lengths = pc.utf8_length(dictionary)
    bad = pc.or_(pc.or_(pc.less(lengths, 1), pc.greater(lengths, MAX_TEXT)),
                 pc.match_substring(dictionary, "\0"))
    return np.flatnonzero(bad.to_numpy(zero_copy_only=False))


def _key_problem(name: str, column: pa.ChunkedArray) -> Problem | None:
    if not column.num_chunks:
        return None
    dictionary = column.chunk(0).dictionary
    bad = _bad_entries(dictionary)
    if not bad.size:
        return None
    offset = 0
    for chunk in column.chunks:  # the first row using a bad entry (an unused entry is no one's event)
        hits = np.flatnonzero(np.isin(chunk.indices.to_numpy(zero_copy_only=False), bad))
        for hit in hits:
            value = dictionary[int(chunk.indices[int(hit)].as_py())].as_buffer()
            if (rule := _entry_problem(value.to_pybytes())) is not None:
                return offset + int(hit), f"{name} {rule}"
        offset += len(chunk)
    return None


def _first(column: pa.ChunkedArray, mask: pa.ChunkedArray) -> int:
    return int(np.flatnonzero(mask.to_numpy())[0]) if len(column) else 0


def _bytes_problem(sizes: pa.ChunkedArray, max_event_bytes: int) -> Problem | None:
    low, high = pc.min_max(sizes).values()
    if low.as_py() is not None and low.as_py() < 0:
        row = _first(sizes, pc.less(sizes, 0))
        return row, f"bytes {sizes[row].as_py()} is negative"
    if high.as_py() is not None and high.as_py() > max_event_bytes:
        row = _first(sizes, pc.greater(sizes, max_event_bytes))
        return row, f"bytes {sizes[row].as_py()} is more than MAX_EVENT_BYTES ({max_event_bytes})"
    return None


def _time_problem(times: pa.ChunkedArray, hour: datetime) -> Problem | None:
    low, high = time_range(hour, times.type.unit)
    raw = times.cast(pa.int64())
    first, last = (v.as_py() for v in pc.min_max(raw).values())
    if first is None or (first >= low and last < high):
        return None
    row = _first(raw, pc.or_(pc.less(raw, low), pc.greater_equal(raw, high)))
    return row, f"timestamp {times[row].as_py()} is outside hour {label(hour)}"


def rows_problem(table: pa.Table, hour: datetime, max_event_bytes: int) -> Problem | None:
    """The first rule a row of ``table`` breaks, with the row, or None.

    ``table`` has the key columns dictionary-encoded with one dictionary per column (as the reader
    unifies them) and ``bytes``; ``timestamp`` too when the file's statistics do not bound it.
    """
    for name in table.column_names:
        if (nulls := table.column(name).null_count) > 0:
            return _first(table.column(name), table.column(name).is_null()), f"column {name} has {nulls} null(s)"
    for name in KEYS:
        if (problem := _key_problem(name, table.column(name))) is not None:
            return problem
    if (problem := _bytes_problem(table.column("bytes"), max_event_bytes)) is not None:
        return problem
    return _time_problem(table.column("timestamp"), hour) if "timestamp" in table.column_names else None
