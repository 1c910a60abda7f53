"""Per-partition offsets in ``processor_offsets``: the truth about what the speed layer has applied.

``lock_partition`` takes the partition's row lock and returns the next offset not yet applied;
``advance`` moves it in the same transaction as the totals (``totals.add_totals``), so COMMIT makes
totals and offset visible together: exactly once. ``next_offsets`` is where consumption resumes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from common import schema
from common.db import DatabaseConfig, connect

from ..records import TopicPartition

_OFFSETS = sql.Identifier(schema.PROCESSOR_OFFSETS_TABLE)
Offsets = dict[TopicPartition, int]


def lock_partition(conn: psycopg.Connection[Any], tp: TopicPartition) -> int:
    """Lock the partition's offset row (creating it at 0) and return its next offset."""
    conn.execute(sql.SQL("INSERT INTO {} (topic, partition, next_offset) VALUES (%s, %s, 0) "
                         "ON CONFLICT DO NOTHING").format(_OFFSETS), tp)
    row = conn.execute(sql.SQL("SELECT next_offset FROM {} WHERE topic = %s AND partition = %s "
                               "FOR UPDATE").format(_OFFSETS), tp).fetchone()
    assert row is not None
    return int(row[0])


def claim_unrecorded_staging(conn: psycopg.Connection[Any], tp: TopicPartition) -> bool:
    """Whether the partition's staged files predate recorded ranges (migration 0008), marking it done.

    Called holding the partition's lock: the caller records those files in this same transaction.
    """
    row = conn.execute(sql.SQL("UPDATE {} SET staging_recorded = true WHERE topic = %s AND partition = %s "
                               "AND NOT staging_recorded RETURNING 1").format(_OFFSETS), tp).fetchone()
    return row is not None


def advance(conn: psycopg.Connection[Any], tp: TopicPartition, next_offset: int) -> None:
    conn.execute(sql.SQL("UPDATE {} SET next_offset = %s, updated_at = now() "
                         "WHERE topic = %s AND partition = %s").format(_OFFSETS),
                 (next_offset, tp.topic, tp.partition))


def next_offsets(conn: psycopg.Connection[Any], partitions: list[TopicPartition]) -> Offsets:
    """``next_offset`` of the given partitions that have one."""
    wanted = set(partitions)
    rows = conn.execute(sql.SQL("SELECT topic, partition, next_offset FROM {} WHERE topic = ANY(%s)")
                        .format(_OFFSETS), (sorted({tp.topic for tp in wanted}),)).fetchall()
    found = {TopicPartition(t, p): int(n) for t, p, n in rows}
    return {tp: n for tp, n in found.items() if tp in wanted}


def resume_offsets(database: DatabaseConfig) -> Callable[[list[TopicPartition]], Offsets]:
    """Reads the offsets of the partitions being assigned, on a short connection of its own."""
    def read(partitions: list[TopicPartition]) -> Offsets:
        with connect(database) as conn:
            return next_offsets(conn, partitions)
    return read


def start_at(database: DatabaseConfig) -> Callable[[TopicPartition, int], int]:
    """Records where a partition PostgreSQL has never seen starts (``AUTO_OFFSET_RESET=latest``).

    Recorded before its first batch, so a first batch that fails is read again, not skipped.
    Returns the offset recorded (another processor may have recorded one first).
    """
    def record(tp: TopicPartition, offset: int) -> int:
        with connect(database) as conn:
            conn.execute(sql.SQL("INSERT INTO {} (topic, partition, next_offset) VALUES (%s, %s, %s) "
                                 "ON CONFLICT DO NOTHING").format(_OFFSETS), (tp.topic, tp.partition, offset))
            found = next_offsets(conn, [tp])
        return found[tp]
    return record
