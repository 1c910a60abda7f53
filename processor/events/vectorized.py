"""The vectorized path for a batch in which every message is a valid event (the common case).

Arrow's JSON reader parses the newline-joined batch in C++ with the schema below and strict types
(a string, boolean or fraction where a number belongs is an error, not a coercion). It is only
trusted where row *i* is provably message *i*: no message is empty or contains a newline, each
starts with ``{`` and ends with ``}``, and the row count equals the message count. Anything else,
including any invalid value, returns ``None`` and the batch is decoded message by message.
"""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from common.lake import EVENT_SCHEMA

# The lake's schema, with timestamps read as seconds (integer or fraction) and converted after.
_SCHEMA = EVENT_SCHEMA.set(0, pa.field("timestamp", pa.float64()))
_PARSE = pj.ParseOptions(explicit_schema=_SCHEMA, unexpected_field_behavior="ignore")
_READ = pj.ReadOptions(use_threads=False, block_size=8 << 20)
MAX_EPOCH = 253_402_300_800  # 10000-01-01: beyond it a timestamp cannot be a date


def timestamps_from_seconds(seconds: pa.Array) -> pa.Array:
    """Epoch seconds (integer or float) as UTC microsecond timestamps (floats rounded to the us)."""
    if pa.types.is_integer(seconds.type):
        micros = pc.multiply(seconds.cast(pa.int64()), 1_000_000)
    else:
        micros = pc.round(pc.multiply(seconds.cast(pa.float64()), 1e6)).cast(pa.int64())
    return micros.cast(pa.timestamp("us", tz="UTC"))


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


def _valid(table: pa.Table) -> bool:
    if any(column.null_count for column in table.columns):
        return False
    ts, size = table["timestamp"], table["bytes"]
    if pc.min(ts).as_py() < 0 or pc.max(ts).as_py() >= MAX_EPOCH or pc.min(size).as_py() < 0:
        return False
    return all(pc.min(pc.binary_length(table[name])).as_py() > 0 for name in ("id", "antenna_id", "app"))


def decode_clean_batch(values: list[bytes | None]) -> pa.Table | None:
    """Events of ``EVENT_SCHEMA`` in message order, or ``None`` if the batch needs the careful path."""
    joined = _aligned(values)
    if joined is None:
        return None
    try:
        table = pj.read_json(io.BytesIO(joined), read_options=_READ, parse_options=_PARSE)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != len(values) or not _valid(table):
        return None
    micros = timestamps_from_seconds(table["timestamp"].combine_chunks())
    return pa.Table.from_arrays([micros, *(table[c].combine_chunks() for c in ("id", "antenna_id", "bytes", "app"))],
                                schema=EVENT_SCHEMA)
