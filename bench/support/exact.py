"""The exact answer of a freshness run, computed from the messages it sent, and the checks against it."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable
from pathlib import Path

import polars as pl
import pyarrow.compute as pc
import pyarrow.dataset as ds

from common import schema

from .dataset import JSON_SCHEMA
from .tables import rows


def totals(messages: Iterable[bytes], chunk: int = 200_000) -> pl.DataFrame:
    """``bytes`` as an exact system leaves it: per 5-minute window, key and type, the sum (and the event count)."""
    parts: list[pl.DataFrame] = []
    it = iter(messages)
    while batch := list(itertools.islice(it, chunk)):
        frame = pl.read_ndjson(io.BytesIO(b"\n".join(batch)), schema=JSON_SCHEMA).with_columns(
            (pl.col("timestamp") - pl.col("timestamp") % schema.WINDOW_SECONDS).alias("window"))
        parts.extend(frame.group_by("window", pl.col(key).alias("id")).agg(pl.col("bytes").sum().alias("value"))
                     .with_columns(pl.lit(kind).alias("type")) for key, kind in schema.METRIC_TYPES.items())
    return pl.concat(parts).group_by("window", "id", "type").agg(pl.col("value").sum())


def bytes_exact(url: str, expected: pl.DataFrame) -> bool:
    """Does the database's whole ``bytes`` table equal ``expected`` row for row?"""
    found = rows(url, "SELECT extract(epoch FROM timestamp)::bigint, id, type, value FROM bytes")
    written = pl.DataFrame(found, schema={"window": pl.Int64, "id": pl.String, "type": pl.String,
                                          "value": pl.Int64}, orient="row")
    columns = ["window", "id", "type", "value"]
    return sorted(written.select(columns).rows()) == sorted(expected.select(columns).rows())


def lake_exact(folder: Path, events: int, total_bytes: int) -> bool:
    """Does the lake hold exactly ``events`` rows, whose ``bytes`` sum to ``total_bytes``?"""
    table = ds.dataset(folder, partitioning="hive", format="parquet").to_table(columns=["bytes"])
    return table.num_rows == events and int(pc.sum(table["bytes"]).as_py() or 0) == total_bytes
