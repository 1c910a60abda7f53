"""Sums of bytes per id, antenna_id and app, computed on dictionary codes (the pure core of the hour).

A lake file stores each key column dictionary-encoded: per row group, a small dictionary of the
distinct strings and one integer code per row. Grouping on those codes instead of the decoded
strings is what makes the batch fast: no string is materialised or hashed per row, only the codes
and the bytes. Each batch is reduced to (key, value, events) rows, at most one per distinct key,
and the partial sums are merged by key string, so the result is exact whatever the dictionaries.

When a batch's codes come in runs (rows grouped by key, as the speed layer writes ``id``), Polars'
sorted group-by is used: it finds the runs without a hash table. The codes are checked, never
assumed, so any row order gives the same exact sums.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
import pyarrow as pa

from common import schema
from common.errors import LakeError

KEYS = tuple(schema.METRIC_TYPES)  # id, antenna_id, app: the fields summed over
MAX_BIGINT = 2**63 - 1
SUMS_SCHEMA = pl.Schema({"id": pl.String(), "value": pl.Int64(), "events": pl.Int64()})
_COMPACT_ROWS = 2_000_000  # merge partial sums once this many rows are pending: bounded memory


def _codes(column: pa.Array) -> tuple[pl.Series, pl.Series]:
    """The column's dictionary codes and the strings they stand for (encoding plain strings first)."""
    if not pa.types.is_dictionary(column.type):
        column = column.dictionary_encode()
    names = pl.Series(values=column.dictionary).cast(pl.String)
    return pl.Series(values=column.indices), names


def _narrow(sums: pl.DataFrame, key: str) -> pl.DataFrame:
    """Sums computed on 128 bits back to BIGINT, or ``LakeError``: a sum never wraps silently."""
    if sums.height and sums["value"].max() > MAX_BIGINT:  # type: ignore[operator]
        raise LakeError(f"a sum of bytes per {key} passes {MAX_BIGINT} "
                        "(the lake holds events the speed layer would have refused)")
    return sums.with_columns(pl.col("value").cast(pl.Int64))


def _sums_by_code(codes: pl.Series, sizes: pl.Series) -> pl.DataFrame:
    if codes.len() > 1 and (codes.diff() >= 0).all():
        codes = codes.set_sorted()
    return pl.DataFrame({"code": codes, "bytes": sizes}).group_by("code").agg(
        pl.col("bytes").sum().alias("value"), pl.len().cast(pl.Int64).alias("events"))


def batch_sums(batch: pa.RecordBatch) -> list[pl.DataFrame]:
    """One batch of events (id, antenna_id, bytes, app) -> per key, (id = key, value, events)."""
    sizes = pl.Series(values=batch.column("bytes")).cast(pl.Int64)
    # Polars wraps int64 sums: when the batch could pass BIGINT at all, sum on 128 bits and check.
    wide = sizes.len() > 0 and int(sizes.max()) * sizes.len() > MAX_BIGINT  # type: ignore[arg-type]
    if wide:
        sizes = sizes.cast(pl.Int128)
    out = []
    for key in KEYS:
        codes, names = _codes(batch.column(key))
        sums = _sums_by_code(codes, sizes)
        sums = sums.select(names.gather(sums["code"]).alias("id"), "value", "events")
        out.append(_narrow(sums, key) if wide else sums)
    return out


def merge(parts: Iterable[pl.DataFrame], key: str = "key") -> pl.DataFrame:
    """Partial sums of one key merged into one row per key (on 128 bits: checked, never wrapped)."""
    frames = list(parts)
    if not frames:
        return SUMS_SCHEMA.to_frame()
    merged = pl.concat(frames).group_by("id").agg(pl.col("value").cast(pl.Int128).sum(), pl.col("events").sum())
    return _narrow(merged, key)


class KeySums:
    """Running sums per key over many batches, merged now and then so memory stays bounded."""

    def __init__(self) -> None:
        self._parts: list[list[pl.DataFrame]] = [[] for _ in KEYS]
        self._pending = 0

    def add(self, batch: pa.RecordBatch) -> None:
        for parts, sums in zip(self._parts, batch_sums(batch), strict=True):
            parts.append(sums)
            self._pending += sums.height
        if self._pending > _COMPACT_ROWS:
            self._parts = [[merge(parts, key)] for key, parts in zip(KEYS, self._parts, strict=True)]
            self._pending = sum(parts[0].height for parts in self._parts)

    def extend(self, other: KeySums) -> None:
        """Take in the partial sums of another accumulator (one per reading thread)."""
        for mine, theirs in zip(self._parts, other._parts, strict=True):
            mine.extend(theirs)
        self._pending += other._pending

    def totals(self) -> list[pl.DataFrame]:
        """Per key (id, antenna_id, app): one row per distinct value with its bytes and events."""
        return [merge(parts, key) for key, parts in zip(KEYS, self._parts, strict=True)]


def key_sums(batches: Iterable[pa.RecordBatch]) -> list[pl.DataFrame]:
    """The exact sums per key of ``batches`` (the in-memory entry, used by tests and small inputs)."""
    sums = KeySums()
    for batch in batches:
        sums.add(batch)
    return sums.totals()
