"""The run ledger ``batch_runs``: one row per hour written, with what it read and what it found.

The row is replaced in the same transaction as the hour's rows, so its fingerprint always
describes the files behind the rows readers see; ``--catch-up`` compares it with the lake.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql

from common import schema

from .hours import naive
from .results import HourResult

DIFF_COLUMNS = {t: f"{t}_diff" for t in schema.METRIC_TYPES.values()}
COLUMNS = ("hour", "fingerprint", "files", "events", "unknown_user_events", "bytes_hourly_rows",
           "quota_rows", "batch_bytes", *DIFF_COLUMNS.values(), "started_at", "finished_at")


def _row(result: HourResult) -> tuple[Any, ...]:
    diffs = [result.differences.get(t, 0) for t in DIFF_COLUMNS]
    return (naive(result.hour), result.fingerprint, result.files, result.events,
            result.unknown_user_events, result.bytes_hourly_rows, result.quota_rows,
            result.batch_bytes, *diffs, result.started_at, result.finished_at)


def record(conn: psycopg.Connection[Any], result: HourResult) -> None:
    """Insert or replace the hour's ledger row (call inside the hour's transaction)."""
    names = [sql.Identifier(c) for c in COLUMNS]
    updates = [sql.SQL("{} = EXCLUDED.{}").format(n, n) for n in names[1:]]
    conn.execute(sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}").format(
        sql.Identifier(schema.BATCH_RUNS_TABLE), sql.SQL(", ").join(names),
        sql.SQL(", ").join(sql.Placeholder() * len(names)), names[0], sql.SQL(", ").join(updates)),
        _row(result))


def fingerprints(conn: psycopg.Connection[Any]) -> dict[datetime, str]:
    """The fingerprint of every hour in the ledger, keyed by aware UTC hour."""
    rows = conn.execute(sql.SQL("SELECT hour, fingerprint FROM {}").format(
        sql.Identifier(schema.BATCH_RUNS_TABLE))).fetchall()
    return {hour.replace(tzinfo=UTC): fp for hour, fp in rows}
