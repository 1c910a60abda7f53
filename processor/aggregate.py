"""5-minute tumbling totals per user, antenna and app, and lateness: pure Polars over one batch."""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from common.schema import METRIC_TYPES, WINDOW_SECONDS

TOTALS_SCHEMA = {"window": pl.Int64, "id": pl.String, "type": pl.String, "value": pl.Int64}
# Spark's job dropped events more than one minute behind the newest; we keep them, and count them.
LATENESS_SECONDS = 60


SECONDS = pl.col("timestamp").dt.epoch("s")


def window_totals(events: pa.Table) -> pl.DataFrame:
    """Sum of bytes per (window start, id, type), sorted by key (a stable lock order for upserts)."""
    frame = pl.from_arrow(events)
    assert isinstance(frame, pl.DataFrame)
    window = (SECONDS // WINDOW_SECONDS * WINDOW_SECONDS).alias("window")
    parts = [
        frame.group_by(window, pl.col(field).alias("id"))
        .agg(pl.col("bytes").sum().alias("value"))
        .with_columns(pl.lit(metric).alias("type"))
        .select(list(TOTALS_SCHEMA))
        for field, metric in METRIC_TYPES.items()
    ]
    return pl.concat(parts).cast(TOTALS_SCHEMA).sort(["window", "type", "id"])  # type: ignore[arg-type]


def count_late(events: pa.Table, newest_seen: int | None) -> tuple[int, int | None]:
    """Events whose window had closed (newest seen - 1 min >= window end); and the new newest."""
    if events.num_rows == 0:
        return 0, newest_seen
    frame = pl.from_arrow(events.select(["timestamp"]))
    assert isinstance(frame, pl.DataFrame)
    seconds = frame.select(SECONDS.alias("s"))["s"]
    newest = int(seconds.max())  # type: ignore[arg-type]
    if newest_seen is None:
        return 0, newest
    window_end = seconds // WINDOW_SECONDS * WINDOW_SECONDS + WINDOW_SECONDS
    late = int((window_end <= newest_seen - LATENESS_SECONDS).sum())
    return late, max(newest, newest_seen)
