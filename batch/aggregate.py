"""The pure core: one hour's sums per key -> bytes_hourly rows, quota violations and the hour's counts.

Input is the three small frames of ``key_sums`` (id = key value, value = bytes, events), one per
key (id, antenna_id, app): everything here works on those totals, never on the events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from common import schema
from common.bigint import MAX_BIGINT
from common.errors import LakeError

from .hours import naive
from .key_sums import KEYS

USERS_SCHEMA = pl.Schema({"id": pl.String(), "email": pl.String(), "quota": pl.Int64()})
BYTES_HOURLY_SCHEMA = pl.Schema(
    {"timestamp": pl.Datetime("us"), "id": pl.String(), "value": pl.Int64(), "type": pl.String()})
QUOTA_SCHEMA = pl.Schema({"email": pl.String(), "usage": pl.Int64(), "quota": pl.Int64(), "timestamp": pl.Datetime("us")})


@dataclass(frozen=True)
class HourTotals:
    """What one hour of events adds up to; frames have the tables' columns in the tables' order."""

    hour: datetime
    bytes_hourly: pl.DataFrame
    quota_violations: pl.DataFrame
    events: int
    total_bytes: int
    unknown_user_events: int
    bytes_by_type: dict[str, int]


def bytes_hourly_rows(totals: list[pl.DataFrame], hour: datetime) -> pl.DataFrame:
    """The ``bytes_hourly`` rows of the hour: (timestamp = hour start, id, value, type)."""
    parts = [
        frame.select(pl.lit(naive(hour), pl.Datetime("us")).alias("timestamp"),
                     pl.col("id").cast(pl.String), "value", pl.lit(schema.METRIC_TYPES[key]).alias("type"))
        for key, frame in zip(KEYS, totals, strict=True)
    ]
    return pl.concat(parts).sort("type", "id").match_to_schema(BYTES_HOURLY_SCHEMA)


def quota_violations(user_totals: pl.DataFrame, users: pl.DataFrame, hour: datetime) -> pl.DataFrame:
    """Users whose bytes in the hour are strictly greater than their quota: (email, usage, quota, timestamp)."""
    known = user_totals.with_columns(pl.col("id").cast(pl.String)).join(users, on="id", how="inner")
    return (known.filter(pl.col("value") > pl.col("quota"))
            .select("email", pl.col("value").alias("usage"), "quota",
                    pl.lit(naive(hour), pl.Datetime("us")).alias("timestamp"))
            .sort("email").match_to_schema(QUOTA_SCHEMA))


def unknown_user_events(user_totals: pl.DataFrame, users: pl.DataFrame) -> int:
    """Events whose id is not in ``user_metadata`` (summed, counted, but never over any quota)."""
    unknown = user_totals.with_columns(pl.col("id").cast(pl.String)).join(users, on="id", how="anti")
    return int(unknown["events"].sum())


def _bigint(total: int, what: str) -> int:
    """``total`` if BIGINT holds it (the ledger's columns are BIGINT), else ``LakeError``: never a wrap."""
    if total > MAX_BIGINT:
        raise LakeError(f"the bytes of the hour per {what} pass {MAX_BIGINT} "
                        "(the lake holds more than the ledger's BIGINT columns can record)")
    return total


def hour_totals(totals: list[pl.DataFrame], users: pl.DataFrame, hour: datetime) -> HourTotals:
    """Everything the hour writes and records, from its sums per key and ``users`` (id, email, quota)."""
    users = users.match_to_schema(USERS_SCHEMA)
    rows = bytes_hourly_rows(totals, hour)
    # Each row fits BIGINT; their sum per type may not: summed on 128 bits, then checked.
    by_type = {t: _bigint(int(v), t) for t, v in rows.group_by("type").agg(pl.col("value").cast(pl.Int128).sum()).iter_rows()}
    return HourTotals(
        hour=hour,
        bytes_hourly=rows,
        quota_violations=quota_violations(totals[0], users, hour),
        events=int(totals[0]["events"].sum()),
        total_bytes=_bigint(int(totals[0]["value"].cast(pl.Int128).sum()), schema.USER_TOTAL),
        unknown_user_events=unknown_user_events(totals[0], users),
        bytes_by_type={t: by_type.get(t, 0) for t in schema.METRIC_TYPES.values()},
    )
