"""Adding one checkpoint's 5-minute sums to ``bytes``: late events correct their row, however late.

``common.db.DATA_ERRORS`` are PostgreSQL refusing a value for what it is (a sum past BIGINT, a value
its index cannot hold): the fault of a message, never an outage.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import psycopg
from psycopg import sql

from common import schema

_BYTES = sql.Identifier(schema.BYTES_TABLE)
_STAGE = sql.Identifier("processor_totals_stage")


def add_totals(conn: psycopg.Connection[Any], totals: pl.DataFrame) -> None:
    """COPY the batch's sums to a temporary table, then add them to ``bytes`` in key order."""
    if totals.height == 0:
        return
    conn.execute(sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} (window_start BIGINT, id TEXT, type TEXT, "
                         "value BIGINT) ON COMMIT DELETE ROWS").format(_STAGE))
    conn.execute(sql.SQL("DELETE FROM {}").format(_STAGE))  # one transaction may add several times (admission)
    with conn.cursor() as cur, cur.copy(sql.SQL(
            "COPY {} (window_start, id, type, value) FROM STDIN (FORMAT csv)").format(_STAGE)) as copy:
        copy.write(totals.select("window", "id", "type", "value").write_csv(include_header=False))
    conn.execute(sql.SQL(
        "INSERT INTO {bytes} (timestamp, id, value, type) "
        "SELECT to_timestamp(window_start) AT TIME ZONE 'UTC', id, value, type FROM {stage} "
        "ORDER BY window_start, type, id "
        "ON CONFLICT (timestamp, type, id) DO UPDATE SET value = {bytes}.value + EXCLUDED.value"
    ).format(bytes=_BYTES, stage=_STAGE))


def read_totals(conn: psycopg.Connection[Any], keys: set[tuple[int, str, str]]) -> dict[tuple[int, str, str], int]:
    """Current values of these (window start, type, id) rows of ``bytes``, locked until COMMIT."""
    if not keys:
        return {}
    windows, types, ids = (list(column) for column in zip(*sorted(keys), strict=True))
    rows = conn.execute(sql.SQL(
        "SELECT extract(epoch FROM b.timestamp)::bigint, b.type, b.id, b.value FROM {bytes} b "
        "JOIN unnest(%s::bigint[], %s::text[], %s::text[]) AS k(w, type, id) "
        "ON b.timestamp = to_timestamp(k.w) AT TIME ZONE 'UTC' AND b.type = k.type AND b.id = k.id "
        "ORDER BY b.timestamp, b.type, b.id FOR UPDATE OF b").format(bytes=_BYTES), (windows, types, ids)).fetchall()
    return {(int(w), t, i): int(v) for w, t, i, v in rows}
