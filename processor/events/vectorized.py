"""The vectorized path for a batch in which every message is a valid event (the common case).

Arrow's JSON reader parses the newline-joined batch in C++ with the schema below and strict types
(a string, boolean or fraction where a number belongs is an error, not a coercion). It is only
trusted where row *i* is provably message *i*: no message is empty or contains a newline, each
starts with ``{`` and ends with ``}``, and the row count equals the message count. Every rule of
the contract (``contract.py``) is then checked on whole columns. A batch that breaks any of them
returns ``None`` and is decoded message by message, where each message gets its category.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from common.lake import EVENT_SCHEMA

from .contract import FIELDS, MAX_EPOCH, MAX_TEXT, TEXT_FIELDS, too_deep

# The lake's schema, with timestamps read as seconds (integer or fraction) and converted after.
_SCHEMA = EVENT_SCHEMA.set(0, pa.field("timestamp", pa.float64()))
_PARSE = pj.ParseOptions(explicit_schema=_SCHEMA, unexpected_field_behavior="ignore")
_READ = pj.ReadOptions(use_threads=False, block_size=8 << 20)


def timestamps_from_seconds(seconds: pa.Array) -> pa.Array:
    """Epoch seconds (integer or float) as UTC microsecond timestamps (floats rounded to the us)."""
    if pa.types.is_integer(seconds.type):
        micros = pc.multiply(seconds.cast(pa.int64()), 1_000_000)
    else:
        micros = pc.round(pc.multiply(seconds.cast(pa.float64()), 1e6)).cast(pa.int64())
    return micros.cast(pa.timestamp("us", tz="UTC"))


def valid_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8, checked by Arrow in place (``data.decode()`` would build a copy
    as large as the whole batch, up to four times its size)."""
    offsets = pa.array([0, len(data)], pa.int64()).buffers()[1]
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data)).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _aligned(values: list[bytes | None]) -> bytes | None:
    """The joined batch, if every message is exactly one line that looks like one object."""
    if not values or None in values:
        return None
    joined = b"\n".join(values)  # type: ignore[arg-type]
    n = len(values) - 1
    if (joined.count(b"\n") != n or joined.count(b"\n{") != n or joined.count(b"}\n") != n
            or not joined.startswith(b"{") or not joined.endswith(b"}")):
        return None
    return joined


def _plain(values: list[bytes], joined: bytes) -> bool:
    """Valid UTF-8; then either five members per message (all known, or a field would be missing: no
    ``NaN``, ``Infinity`` or nesting can hide in an unknown one) or no ``NaN``/``Infinity`` (Arrow reads
    them, JSON has none) and no message nested too deep. Counts and memchr settle the usual batch."""
    if not valid_utf8(joined):
        return False
    if joined.count(b":") == len(FIELDS) * len(values):
        return True
    if b"NaN" in joined or b"Infinity" in joined:
        return False
    if b"[" not in joined and joined.count(b"{") == len(values):
        return True  # one object per message, nothing nested
    return not any(too_deep(v) for v in values)


def _valid(table: pa.Table, max_event_bytes: int, escapes: bool) -> bool:
    if any(column.null_count for column in table.columns):
        return False
    ts, size = table["timestamp"], table["bytes"]
    if not pc.all(pc.is_finite(ts)).as_py() or pc.min(ts).as_py() < 0 or pc.max(ts).as_py() >= MAX_EPOCH:
        return False
    if pc.min(size).as_py() < 0 or pc.max(size).as_py() > max_event_bytes:
        return False
    for name in TEXT_FIELDS:
        lengths = pc.utf8_length(table[name])
        if pc.min(lengths).as_py() < 1 or pc.max(lengths).as_py() > MAX_TEXT:
            return False
        if escapes and pc.any(pc.match_substring(table[name], "\x00")).as_py():  # only "\u0000" can be one
            return False
    return True


def decode_clean_batch(values: list[bytes | None], max_event_bytes: int) -> pa.Table | None:
    """Events of ``EVENT_SCHEMA`` in message order, or ``None`` if the batch needs the careful path."""
    joined = _aligned(values)
    if joined is None or not _plain(values, joined):  # type: ignore[arg-type]
        return None
    try:
        table = pj.read_json(pa.BufferReader(joined), read_options=_READ, parse_options=_PARSE)  # no copy
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != len(values) or not _valid(table, max_event_bytes, b"\\" in joined):
        return None
    micros = timestamps_from_seconds(table["timestamp"].combine_chunks())
    return pa.Table.from_arrays([micros, *(table[c].combine_chunks() for c in ("id", "antenna_id", "bytes", "app"))],
                                schema=EVENT_SCHEMA)
