"""The hour's rows as binary COPY data, built column-wise: the bytes PostgreSQL's format defines, read back equal."""

from __future__ import annotations

import struct
from datetime import datetime

import polars as pl
import psycopg
import pytest

from batch.aggregate import BYTES_HOURLY_SCHEMA, QUOTA_SCHEMA
from batch.binary_copy import SIGNATURE, TRAILER, binary_copy

PG_EPOCH = datetime(2000, 1, 1)

FRAME = pl.DataFrame(
    {"timestamp": [datetime(2022, 10, 29, 13), datetime(1999, 12, 31, 23, 59, 59, 999999), datetime(1970, 1, 1),
                   None, datetime(2000, 1, 1)],
     "id": ["user-1", "", "ünïcødé ✓ 𝄞", "x" * 1000, None],
     "value": [5, -1, 2**63 - 1, -(2**63), None],
     "type": ["user_total_bytes", "antenna_total_bytes", None, "app_total_bytes", ""]},
    schema={"timestamp": pl.Datetime("us"), "id": pl.String(), "value": pl.Int64(), "type": pl.String()})


def reference(frame: pl.DataFrame) -> bytes:
    """The format written row by row with ``struct``, as PostgreSQL's documentation spells it."""
    out = bytearray(SIGNATURE)
    for row in frame.iter_rows():
        out += struct.pack(">h", len(row))
        for value in row:
            if value is None:
                out += struct.pack(">i", -1)
            elif isinstance(value, str):
                out += struct.pack(">i", len(value.encode())) + value.encode()
            elif isinstance(value, datetime):
                delta = value - PG_EPOCH
                micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
                out += struct.pack(">iq", 8, micros)
            else:
                out += struct.pack(">iq", 8, value)
    return bytes(out + TRAILER)


def test_the_copy_data_is_the_binary_format_row_by_row_nulls_empty_strings_and_extremes_included() -> None:
    assert binary_copy(FRAME) == reference(FRAME)


def test_a_sliced_frame_and_an_empty_frame_give_their_own_rows_only() -> None:
    assert binary_copy(FRAME.slice(2, 2)) == reference(FRAME.slice(2, 2))
    assert binary_copy(FRAME.clear()) == SIGNATURE + TRAILER


def test_a_column_type_without_an_encoding_is_refused() -> None:
    with pytest.raises(TypeError, match="no binary COPY encoding"):
        binary_copy(pl.DataFrame({"x": [1.5]}))


@pytest.mark.integration
def test_postgresql_reads_the_copy_data_back_as_the_frame(provisioned: str) -> None:
    quota = pl.DataFrame({"email": ["a@b.c", "", "é@x"], "usage": [7, 0, 2**62], "quota": [6, -5, 1],
                          "timestamp": [datetime(2022, 10, 29, 13)] * 3}, schema=QUOTA_SCHEMA)
    hourly = FRAME.match_to_schema(BYTES_HOURLY_SCHEMA)
    with psycopg.connect(provisioned, autocommit=True) as conn:
        for name, frame, types in [("hourly", hourly, "timestamp timestamp, id text, value bigint, type text"),
                                   ("quota", quota, "email text, usage bigint, quota bigint, timestamp timestamp")]:
            conn.execute(f"CREATE TEMP TABLE {name} (n serial, {types})")
            with conn.cursor() as cur, cur.copy(
                    f"COPY {name} ({', '.join(frame.columns)}) FROM STDIN (FORMAT binary)") as copy:
                copy.write(binary_copy(frame))
            rows = conn.execute(f"SELECT {', '.join(frame.columns)} FROM {name} ORDER BY n").fetchall()
            assert rows == list(frame.iter_rows()), name
