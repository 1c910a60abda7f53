"""PostgreSQL side of the speed layer: per-partition offsets and 5-minute totals, one transaction.

``lock_partition`` takes the partition's row lock and returns the next offset not yet applied;
``add_totals`` adds a batch's sums to ``bytes`` (late events correct their row, however late);
``advance`` moves the offset. Commit makes totals and offset visible together: exactly once.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import psycopg
from psycopg import sql

from common import schema

_OFFSETS = sql.Identifier(schema.PROCESSOR_OFFSETS_TABLE)
_BYTES = sql.Identifier(schema.BYTES_TABLE)
_STAGE = sql.Identifier("processor_totals_stage")


def lock_partition(conn: psycopg.Connection[Any], topic: str, partition: int) -> int:
    """Lock the partition's offset row (creating it at 0) and return its next offset."""
    conn.execute(sql.SQL("INSERT INTO {} (topic, partition, next_offset) VALUES (%s, %s, 0) "
                         "ON CONFLICT DO NOTHING").format(_OFFSETS), (topic, partition))
    row = conn.execute(sql.SQL("SELECT next_offset FROM {} WHERE topic = %s AND partition = %s "
                               "FOR UPDATE").format(_OFFSETS), (topic, partition)).fetchone()
    assert row is not None
    return int(row[0])


def advance(conn: psycopg.Connection[Any], topic: str, partition: int, next_offset: int) -> None:
    conn.execute(sql.SQL("UPDATE {} SET next_offset = %s, updated_at = now() "
                         "WHERE topic = %s AND partition = %s").format(_OFFSETS),
                 (next_offset, topic, partition))


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


def next_offsets(conn: psycopg.Connection[Any], partitions: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """``next_offset`` of the given partitions that have one."""
    wanted = set(partitions)
    rows = conn.execute(sql.SQL("SELECT topic, partition, next_offset FROM {} WHERE topic = ANY(%s)")
                        .format(_OFFSETS), (sorted({t for t, _ in wanted}),)).fetchall()
    return {(t, p): int(n) for t, p, n in rows if (t, p) in wanted}
