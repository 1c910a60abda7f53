"""PostgreSQL side of the batch job: read user metadata and the speed layer's totals; replace one
hour's rows of ``bytes_hourly`` and ``user_quota_limit`` and its ledger row in one transaction.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import polars as pl
import psycopg
from psycopg import sql

from common import db, schema

from . import ledger
from .aggregate import USERS_SCHEMA, HourTotals
from .binary_copy import binary_copy
from .hours import HOUR, naive
from .results import HourResult

HOUR_LOCK = 0x62617463  # advisory lock class of the batch job; the second key is the hour


def database_errors(where: str) -> AbstractContextManager[None]:
    """The batch job's database failures as one clear ``PipelineError`` naming the server ``where``
    (``common.db.database_errors``): ``DataRejected`` for a value PostgreSQL refuses (that hour
    fails), ``DatabaseUnavailable`` for an outage (retried)."""
    return db.database_errors("batch job", schema.BATCH_ROLE, f"PostgreSQL at {where}")


def read_user_quotas(conn: psycopg.Connection[Any]) -> pl.DataFrame:
    """``user_metadata`` as a frame (id, email, quota)."""
    rows = conn.execute(sql.SQL("SELECT id, email, quota FROM {}").format(
        sql.Identifier(schema.USER_METADATA_TABLE))).fetchall()
    return pl.DataFrame(rows, schema=USERS_SCHEMA, orient="row")


def speed_totals(conn: psycopg.Connection[Any], hour: datetime) -> dict[str, int]:
    """Sum of the speed layer's 5-minute rows of ``hour``, per type."""
    rows = conn.execute(sql.SQL(
        "SELECT type, sum(value) FROM {} WHERE timestamp >= %s AND timestamp < %s GROUP BY type"
    ).format(sql.Identifier(schema.BYTES_TABLE)), (naive(hour), naive(hour + HOUR))).fetchall()
    return {t: int(v) for t, v in rows}


def _copy(conn: psycopg.Connection[Any], table: str, frame: pl.DataFrame) -> None:
    """``frame`` into ``table`` in one binary ``COPY`` (``binary_copy``: built column-wise, no Python
    per row, no text for the server to parse); nothing is sent for an empty frame."""
    if not frame.height:
        return
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT binary)").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in frame.columns))
    with conn.cursor() as cur, cur.copy(statement) as copy:
        copy.write(binary_copy(frame))


def replace_hour(conn: psycopg.Connection[Any], totals: HourTotals, result: HourResult) -> HourResult:
    """Delete the hour's rows, copy the new ones and record the ledger row, all in one transaction.

    Readers see the old hour or the new one, never a mix (the caller holds the hour's lock: ``lock_hour``).
    Returns ``result`` as recorded (``finished_at`` set).
    """
    at = naive(totals.hour)
    with conn.transaction():
        for table in (schema.BYTES_HOURLY_TABLE, schema.USER_QUOTA_TABLE):
            conn.execute(sql.SQL("DELETE FROM {} WHERE timestamp = %s").format(sql.Identifier(table)), (at,))
        _copy(conn, schema.BYTES_HOURLY_TABLE, totals.bytes_hourly)
        _copy(conn, schema.USER_QUOTA_TABLE, totals.quota_violations)
        result = replace(result, finished_at=datetime.now(UTC))
        ledger.record(conn, result)
    return result


def lock_key(hour: datetime) -> tuple[int, int]:
    """The advisory lock of ``hour``: the batch job's class and the hour's number since the epoch."""
    return HOUR_LOCK, int(hour.timestamp()) // 3600


def lock_hour(conn: psycopg.Connection[Any], hour: datetime) -> None:
    """Take the hour's session lock, waiting while another run holds it. Held from before the hour's
    files are listed until its rows are committed: two runs of one hour queue here, so the last
    commit always comes from the newest file list. A session lock, as reading the files keeps no
    transaction open."""
    conn.execute("SELECT pg_advisory_lock(%s, %s)", lock_key(hour))


def unlock_hour(conn: psycopg.Connection[Any], hour: datetime) -> None:
    """Release what ``lock_hour`` took (nothing to do on a broken session: its locks went with it)."""
    if not conn.broken:
        conn.execute("SELECT pg_advisory_unlock(%s, %s)", lock_key(hour))
