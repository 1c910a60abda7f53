"""The one guard between 128-bit (or Python integer) sums and PostgreSQL's BIGINT columns.

Every total the pipeline writes (``bytes.value``, ``bytes_hourly.value``, the ledger's counts) is a
BIGINT. Sums are taken wider (Polars' Int128, numpy object arrays, Python integers) and checked
here before they are narrowed, so a total past BIGINT is an error, never a wrapped value.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

MAX_BIGINT = 2**63 - 1  # PostgreSQL BIGINT


def passes_bigint(values: pl.Series | Iterable[int]) -> bool:
    """Whether any of ``values`` (a wide Polars series, or integers) is past BIGINT; none is False."""
    if isinstance(values, pl.Series):
        top = values.max()
    else:
        top = max(values, default=None)
    return top is not None and bool(top > MAX_BIGINT)  # type: ignore[operator]
