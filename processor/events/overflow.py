"""Which events would push a 5-minute total past ``MAX_TOTAL``: pure, in offset order, greedy.

Called only when adding a checkpoint's totals overflowed. Given the totals already in ``bytes``
for the checkpoint's keys, events are admitted one by one in order; an event that would take any
of its three totals (user, antenna, app) past ``MAX_TOTAL`` is refused and adds nothing.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from common.schema import METRIC_TYPES

from .windows import MAX_TOTAL, WINDOW_START

Key = tuple[int, str, str]  # (window start in epoch seconds, type, id), as in ``window_totals``


def window_keys(events: pa.Table) -> list[list[Key]]:
    """The three total keys of each event, in row order."""
    frame = pl.from_arrow(events.select(["timestamp"]))
    assert isinstance(frame, pl.DataFrame)
    windows = frame.select(WINDOW_START)["timestamp"].to_list()
    columns = {field: events[field].to_pylist() for field in METRIC_TYPES}
    return [[(w, metric, columns[field][i]) for field, metric in METRIC_TYPES.items()] for i, w in enumerate(windows)]


def overflowing(events: pa.Table, current: dict[Key, int]) -> list[int]:
    """Rows (in order) refused because they would take a total past ``MAX_TOTAL``."""
    totals = dict(current)
    refused = []
    for row, (keys, size) in enumerate(zip(window_keys(events), events["bytes"].to_pylist(), strict=True)):
        if any(totals.get(k, 0) + size > MAX_TOTAL for k in keys):
            refused.append(row)
            continue
        for k in keys:
            totals[k] = totals.get(k, 0) + size
    return refused
