"""5-minute tumbling totals per user, antenna and app, and lateness: pure Polars over one batch."""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from common.bigint import MAX_BIGINT, passes_bigint
from common.errors import PipelineError
from common.schema import METRIC_TYPES, WINDOW_SECONDS

MAX_TOTAL = MAX_BIGINT  # the type of bytes.value
TOTALS_SCHEMA = {"window": pl.Int64, "id": pl.String, "type": pl.String, "value": pl.Int64}
# Spark's job dropped events more than one minute behind the newest; we keep them, and count them.
LATENESS_SECONDS = 60


SECONDS = pl.col("timestamp").dt.epoch("s")
# The 5-minute window key of an event: its window's start in epoch seconds (the one definition).
WINDOW_START = SECONDS // WINDOW_SECONDS * WINDOW_SECONDS


class TotalOverflow(PipelineError):
    """A batch's own 5-minute total would pass ``MAX_TOTAL`` (Polars would wrap it silently)."""


def window_totals(events: pa.Table) -> pl.DataFrame:
    """Sum of bytes per (window start, id, type), sorted by key (a stable lock order for upserts).

    Summed in 128 bits, so a total past ``MAX_TOTAL`` raises ``TotalOverflow`` instead of wrapping.
    """
    frame = pl.from_arrow(events)
    assert isinstance(frame, pl.DataFrame)
    window = WINDOW_START.alias("window")
    parts = [
        frame.group_by(window, pl.col(field).alias("id"))
        .agg(pl.col("bytes").cast(pl.Int128).sum().alias("value"))
        .with_columns(pl.lit(metric).alias("type"))
        .select(list(TOTALS_SCHEMA))
        for field, metric in METRIC_TYPES.items()
    ]
    totals = pl.concat(parts)
    if passes_bigint(totals["value"]):
        raise TotalOverflow(f"a 5-minute total of this batch passes {MAX_TOTAL}")
    return totals.cast(TOTALS_SCHEMA).sort(["window", "type", "id"])  # type: ignore[arg-type]


def count_late(events: pa.Table, newest_seen: int | None) -> tuple[int, int | None]:
    """Events, in offset order, whose window had closed (window end <= newest before it - 1 min).

    Returns the count and the newest event time after the batch.
    """
    if events.num_rows == 0:
        return 0, newest_seen
    frame = pl.from_arrow(events.select(["timestamp"]))
    assert isinstance(frame, pl.DataFrame)
    seconds, starts = frame.select(SECONDS.alias("s"), WINDOW_START.alias("start")).get_columns()
    before = seconds.cum_max().shift(1, fill_value=newest_seen if newest_seen is not None else -(2**62))
    if newest_seen is not None:
        before = before.clip(lower_bound=newest_seen)
    window_end = starts + WINDOW_SECONDS
    late = int((window_end <= before - LATENESS_SECONDS).sum())
    newest = int(seconds.max())  # type: ignore[arg-type]
    return late, newest if newest_seen is None else max(newest, newest_seen)
