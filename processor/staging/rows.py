"""Staged batches and publish records in PostgreSQL: what is committed, and so may be published.

``processor_staging`` holds each committed batch's partition and offset range; a row is inserted in
the checkpoint's transaction, so it exists exactly when the offsets past it do. With a lake in a
bucket the row holds the batch's valid events too (an Arrow IPC file); with a lake in a folder
``events`` is NULL and the events are a staged file in ``DATA_DIR`` (only recorded ranges are ever
published). ``processor_publishing`` holds the offset range a publish in progress covers; it is
committed before the publish writes to the lake and deleted with the range's rows.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import psycopg
from psycopg import sql

from common import schema

from ..records import TopicPartition

_STAGING = sql.Identifier(schema.PROCESSOR_STAGING_TABLE)
_PUBLISHING = sql.Identifier(schema.PROCESSOR_PUBLISHING_TABLE)
_PARTITION = sql.SQL("topic = %s AND partition = %s")
OffsetRange = tuple[int, int]  # first and last offset, both included


class StagedBatch(NamedTuple):
    """One committed batch: its offset range, the size of its events held in PostgreSQL (0: in a file),
    and the staged file that holds them (``None``: in the row)."""

    first: int
    last: int
    size: int
    file: str | None = None


def stage_events(conn: psycopg.Connection[Any], tp: TopicPartition, first: int, last: int,
                 events: bytes | memoryview | None, staged_file: str | None = None) -> None:
    """Record one batch: its events (``%b``: sent as binary, not as escaped text), or the name of the
    staged file that holds them (a lake in a folder)."""
    conn.execute(sql.SQL("INSERT INTO {} (topic, partition, first_offset, last_offset, events, staged_file) "
                         "VALUES (%s, %s, %s, %s, %b, %s)").format(_STAGING), (*tp, first, last, events, staged_file))


def staged_batches(conn: psycopg.Connection[Any], tp: TopicPartition,
                   within: OffsetRange | None = None) -> list[StagedBatch]:
    """The partition's staged batches (all, or those inside ``within``) with their sizes and staged
    files, in offset order."""
    lo, hi = within or (0, 2**63 - 1)
    rows = conn.execute(sql.SQL("SELECT first_offset, last_offset, coalesce(octet_length(events), 0), staged_file "
                                "FROM {} WHERE {} AND first_offset >= %s AND last_offset <= %s ORDER BY first_offset")
                        .format(_STAGING, _PARTITION), (*tp, lo, hi)).fetchall()
    return [StagedBatch(int(f), int(la), int(n), name) for f, la, n, name in rows]


def staged_events(conn: psycopg.Connection[Any], tp: TopicPartition, first: int) -> bytes:
    """The events of the batch starting at ``first`` (one row at a time: memory stays bounded)."""
    row = conn.execute(sql.SQL("SELECT events FROM {} WHERE {} AND first_offset = %s").format(_STAGING, _PARTITION),
                       (*tp, first), binary=True).fetchone()
    assert row is not None, f"staged batch {tp}@{first} vanished under its partition's lock"
    return bytes(row[0])


def delete_staged(conn: psycopg.Connection[Any], tp: TopicPartition, within: OffsetRange) -> None:
    conn.execute(sql.SQL("DELETE FROM {} WHERE {} AND first_offset >= %s AND last_offset <= %s")
                 .format(_STAGING, _PARTITION), (*tp, *within))


def publishing(conn: psycopg.Connection[Any], tp: TopicPartition) -> OffsetRange | None:
    """The range of a publish in progress (an interrupted one, if we just took the partition)."""
    row = conn.execute(sql.SQL("SELECT first_offset, last_offset FROM {} WHERE {}").format(_PUBLISHING, _PARTITION),
                       tp).fetchone()
    return (int(row[0]), int(row[1])) if row else None


def start_publishing(conn: psycopg.Connection[Any], tp: TopicPartition, within: OffsetRange) -> None:
    conn.execute(sql.SQL("INSERT INTO {} (topic, partition, first_offset, last_offset) VALUES (%s, %s, %s, %s)")
                 .format(_PUBLISHING), (*tp, *within))


def finish_publishing(conn: psycopg.Connection[Any], tp: TopicPartition) -> None:
    conn.execute(sql.SQL("DELETE FROM {} WHERE {}").format(_PUBLISHING, _PARTITION), tp)


def topic_has_staged_events(conn: psycopg.Connection[Any], topic: str, *, in_files: bool = False) -> bool:
    """Whether any partition of ``topic`` has batches staged for a lake in a bucket (events in the row),
    or, with ``in_files``, for a lake in a folder (events in a file)."""
    where = sql.SQL("events IS NULL" if in_files else "events IS NOT NULL")
    return conn.execute(sql.SQL("SELECT EXISTS (SELECT FROM {} WHERE topic = %s AND {})").format(_STAGING, where),
                        (topic,)).fetchone() == (True,)


def staged_partitions(conn: psycopg.Connection[Any], topic: str) -> list[TopicPartition]:
    """Partitions of ``topic`` with staged batches or a publish in progress."""
    rows = conn.execute(sql.SQL("SELECT partition FROM {} WHERE topic = %s UNION SELECT partition FROM {} "
                                "WHERE topic = %s ORDER BY 1").format(_STAGING, _PUBLISHING), (topic, topic))
    return [TopicPartition(topic, int(p)) for (p,) in rows.fetchall()]
