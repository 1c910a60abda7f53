"""What the report shows, read from PostgreSQL: the same queries as the Superset charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

from common import schema

Series = dict[str, list[tuple[datetime, int]]]


@dataclass(frozen=True)
class OverQuota:
    email: str
    usage: int
    quota: int
    hour: datetime


@dataclass(frozen=True)
class ReportData:
    speed: dict[str, Series]  # metric type -> id -> points, from bytes
    batch: dict[str, Series]  # metric type -> id -> points, from bytes_hourly
    over_quota: list[OverQuota]  # newest hour first


def series(conn: psycopg.Connection[Any], table: str, metric_type: str) -> Series:
    """Points of every id of one metric type, in time order."""
    rows = conn.execute(sql.SQL("SELECT id, timestamp, value FROM {} WHERE type = %s ORDER BY id, timestamp")
                        .format(sql.Identifier(table)), (metric_type,))
    out: Series = {}
    for id_, ts, value in rows:
        out.setdefault(id_, []).append((ts, int(value)))
    return out


def over_quota(conn: psycopg.Connection[Any]) -> list[OverQuota]:
    rows = conn.execute(sql.SQL("SELECT email, usage, quota, timestamp FROM {} ORDER BY timestamp DESC, "
                                "usage DESC").format(sql.Identifier(schema.USER_QUOTA_TABLE)))
    return [OverQuota(email, int(usage), int(quota), hour) for email, usage, quota, hour in rows]


def read(conn: psycopg.Connection[Any]) -> ReportData:
    types = (schema.USER_TOTAL, schema.ANTENNA_TOTAL, schema.APP_TOTAL)
    return ReportData({t: series(conn, schema.BYTES_TABLE, t) for t in types},
                      {t: series(conn, schema.BYTES_HOURLY_TABLE, t) for t in types}, over_quota(conn))
