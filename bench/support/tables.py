"""Reading what a system wrote to PostgreSQL, and comparing it with the exact answer."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import polars as pl
import psycopg
from psycopg import sql

from common import schema

from .dataset import DataSet


def rows(url: str, statement: str | sql.Composed, params: Any = None) -> list[tuple[Any, ...]]:
    """Rows of one query on ``url``."""
    with psycopg.connect(url, connect_timeout=10) as conn:
        return conn.execute(statement, params).fetchall()


class FirstRow:
    """Records when a row first becomes visible in ``bytes`` (polled by the benchmark's wait loop)."""

    def __init__(self, url: str) -> None:
        self._conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
        self.started = time.monotonic()
        self.seconds: float | None = None

    def poll(self) -> None:
        if self.seconds is None and self._conn.execute("SELECT EXISTS (SELECT 1 FROM bytes)").fetchone() == (True,):
            self.seconds = time.monotonic() - self.started

    def close(self) -> None:
        self._conn.close()


def _frame(url: str, table: str, columns: list[str], hour: datetime) -> pl.DataFrame:
    """The rows of ``table`` whose timestamp lies in ``hour``."""
    start = hour.replace(tzinfo=None)
    query = sql.SQL("SELECT {} FROM {} WHERE timestamp >= %s AND timestamp < %s").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table))
    found = rows(url, query, (start, start + timedelta(hours=1)))
    return pl.DataFrame(found, schema=columns, orient="row")


@dataclass(frozen=True)
class Outcome:
    """How one system's tables compare with the exact answer, for the hour."""

    bytes_exact: bool
    hourly_exact: bool
    quota_exact: bool
    duplicate_rows: int
    missing_bytes: dict[str, int]  # per type, exact minus written (positive: bytes the system lost)
    late_dropped: int
    late_kept: int

    @property
    def exact(self) -> bool:
        return self.bytes_exact and self.hourly_exact and self.quota_exact


def _same(found: pl.DataFrame, wanted: pl.DataFrame) -> bool:
    columns = wanted.columns
    return sorted(found.select(columns).cast(wanted.schema).rows()) == sorted(wanted.rows())  # type: ignore[arg-type]


def compare(url: str, data: DataSet) -> Outcome:
    """The system's ``bytes`` (the hour's windows), ``bytes_hourly`` and ``user_quota_limit`` vs exact."""
    cols = ["timestamp", "id", "value", "type"]
    written = _frame(url, "bytes", cols, data.hour)
    hourly = _frame(url, "bytes_hourly", cols, data.hour)
    quota = _frame(url, "user_quota_limit", ["email", "usage", "quota", "timestamp"], data.hour)
    keys = ["timestamp", "id", "type"]
    duplicates = written.height - written.unique(keys).height
    summed = written.group_by(keys).agg(pl.col("value").sum()) if written.height else written
    missing = {t: int(data.bytes_rows.filter(type=t)["value"].sum()) - int(summed.filter(type=t)["value"].sum())
               for t in schema.METRIC_TYPES.values()}
    users = summed.filter(type=schema.USER_TOTAL).select(pl.col("timestamp").alias("window"), "id",
                                                         pl.col("value").alias("written"))
    exact = data.bytes_rows.filter(type=schema.USER_TOTAL).select(pl.col("timestamp").alias("window"), "id", "value")
    late = (data.late.join(exact, on=["window", "id"]).join(users.cast({"window": pl.Datetime("us")}),
                                                            on=["window", "id"], how="left")
            .with_columns(pl.col("written").fill_null(0)))
    return Outcome(
        bytes_exact=duplicates == 0 and _same(summed, data.bytes_rows),
        hourly_exact=_same(hourly, data.hourly_rows),
        quota_exact=_same(quota, data.quota_rows),
        duplicate_rows=duplicates,
        missing_bytes=missing,
        late_dropped=late.filter(pl.col("written") == pl.col("value") - pl.col("bytes")).height,
        late_kept=late.filter(pl.col("written") == pl.col("value")).height,
    )
