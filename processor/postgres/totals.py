"""Adding one checkpoint's 5-minute sums to ``bytes``: late events correct their row, however late."""

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
    with conn.cursor() as cur, cur.copy(sql.SQL(
            "COPY {} (window_start, id, type, value) FROM STDIN (FORMAT csv)").format(_STAGE)) as copy:
        copy.write(totals.select("window", "id", "type", "value").write_csv(include_header=False))
    conn.execute(sql.SQL(
        "INSERT INTO {bytes} (timestamp, id, value, type) "
        "SELECT to_timestamp(window_start) AT TIME ZONE 'UTC', id, value, type FROM {stage} "
        "ORDER BY window_start, type, id "
        "ON CONFLICT (timestamp, type, id) DO UPDATE SET value = {bytes}.value + EXCLUDED.value"
    ).format(bytes=_BYTES, stage=_STAGE))
