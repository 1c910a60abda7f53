"""The input contract on rows read from the lake: the rules, as pure functions on a row group's arrays.

The speed layer writes only events that passed the input contract (RELIABILITY.md), but a lake is
a folder or a bucket: anyone can add a file. ``batch/key_sums.py`` checks every row group it sums
with these: ``id``, ``antenna_id`` and ``app`` valid UTF-8 of 1 to ``MAX_TEXT`` code points without
U+0000 (checked once per distinct string, on the dictionaries; a bad string fails only if a row
uses it); ``bytes`` in ``[0, max_event_bytes]``; no nulls; ``timestamp`` (read only where the file's
statistics do not bound it) inside the hour and in ``[0, MAX_EPOCH)``.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from common.lake import MAX_EPOCH, MAX_TEXT

from .hours import HOUR, label

_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
Problem = tuple[int, str]  # (row of the array, rule it breaks)


def time_range(hour: datetime, unit: str) -> tuple[int, int]:
    """``[low, high)`` of the hour in ``unit`` since the epoch, inside the contract's ``[0, MAX_EPOCH)``."""
    start = int(hour.timestamp())
    return max(start, 0) * _PER_SECOND[unit], min(start + int(HOUR.total_seconds()), MAX_EPOCH) * _PER_SECOND[unit]


def entry_rule(value: bytes) -> str | None:
    """The rule one key string breaks, or None."""
    try:
        text = value.decode()
    except UnicodeDecodeError:
        return "is not valid UTF-8"
    if not text:
        return "is empty"
    if "\0" in text:
        return "holds U+0000"
    return f"has {len(text)} characters, more than {MAX_TEXT}" if len(text) > MAX_TEXT else None


def bad_entries(dictionary: pa.Array) -> np.ndarray:
    """Positions of the strings that break a rule (one vectorised pass; usually none)."""
    try:
        dictionary.validate(full=True)  # UTF-8 of every string
    except pa.ArrowInvalid:
        return np.array([i for i in range(len(dictionary))
                         if entry_rule(dictionary[i].as_buffer().to_pybytes()) is not None], dtype=np.int64)
    lengths = pc.utf8_length(dictionary)
    bad = pc.or_(pc.or_(pc.less(lengths, 1), pc.greater(lengths, MAX_TEXT)), pc.match_substring(dictionary, "\0"))
    return np.flatnonzero(bad.to_numpy(zero_copy_only=False))


def bytes_problem(sizes: np.ndarray, low: int, high: int, max_event_bytes: int) -> Problem | None:
    """A ``bytes`` below 0 or above ``max_event_bytes`` (``low``/``high``: the array's min and max)."""
    if low < 0:
        row = int(np.flatnonzero(sizes < 0)[0])
        return row, f"bytes {sizes[row]} is negative"
    if high > max_event_bytes:
        row = int(np.flatnonzero(sizes > max_event_bytes)[0])
        return row, f"bytes {sizes[row]} is more than MAX_EVENT_BYTES ({max_event_bytes})"
    return None


def time_problem(times: pa.Array, hour: datetime) -> Problem | None:
    """A timestamp outside ``hour`` (or the contract's range)."""
    low, high = time_range(hour, times.type.unit)
    raw = times.view(pa.int64()).to_numpy(zero_copy_only=False)
    if not raw.size or (raw.min() >= low and raw.max() < high):
        return None
    row = int(np.flatnonzero((raw < low) | (raw >= high))[0])
    return row, f"timestamp {times[row]} is outside hour {label(hour)}"
