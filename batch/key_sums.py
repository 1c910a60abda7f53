"""Sums of bytes per id, antenna_id and app, computed on dictionary codes (the pure core of the hour).

A lake file stores each key column dictionary-encoded: per row group, a small dictionary of the
distinct strings and one integer code per row. Grouping on those codes instead of the decoded
strings is what makes the batch fast: no string is materialised or hashed per row. A batch of
several row groups first gets one dictionary per key (pyarrow's ``unify_dictionaries``: the codes
are translated, the strings are hashed once per dictionary entry, never per row), then one pass of
Polars' streaming engine sums ``bytes`` per id code and per (antenna, app) code pair; antennas and
apps are rolled up from the few thousand pairs. The partial sums are merged by key string, so the
result is exact whatever the dictionaries, the row order or the batching.

The speed layer writes rows in time order. Rows grouped by id (``bench/batch.py --layout grouped``)
would make the id pass cheap: its runs of equal codes are summed without a hash table. Runs are
looked for, never assumed; any row order gives the same sums.
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
_MIN_RUN = 4  # rows per run of one id code, on average, for summing runs first
_RUN_SAMPLE = 1 << 16  # rows whose runs decide it (counting the runs of a whole batch costs 3 ns per row)
_MAX_PAIRS = 1 << 16  # antenna x app codes summed as one key up to this many combinations
_SUMS = (pl.col("bytes").sum().alias("value"), pl.len().cast(pl.Int64).alias("events"))


def _codes(column: pa.ChunkedArray) -> tuple[pl.Series, pl.Series]:
    """Codes (one per row) and the strings they stand for, of a column whose chunks share a dictionary."""
    indices = pa.chunked_array([chunk.indices for chunk in column.chunks], type=column.type.index_type)
    return _series(indices), _series(pa.chunked_array([column.chunk(0).dictionary])).cast(pl.String)


def _narrow(sums: pl.DataFrame, key: str) -> pl.DataFrame:
    """Sums computed on 128 bits back to BIGINT, or ``LakeError``: a sum never wraps silently."""
    if sums.height and sums["value"].max() > MAX_BIGINT:  # type: ignore[operator]
        raise LakeError(f"a sum of bytes per {key} passes {MAX_BIGINT} "
                        "(the lake holds events the speed layer would have refused)")
    return sums.with_columns(pl.col("value").cast(pl.Int64))


class _ArrowStream:
    """A pyarrow column seen only through the Arrow PyCapsule stream interface."""

    def __init__(self, column: pa.ChunkedArray) -> None:
        self._column = column

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self._column.__arrow_c_stream__(requested_schema)


def _series(column: pa.ChunkedArray) -> pl.Series:
    """A Polars series over the same chunks, without a copy.

    Passed as a plain Arrow stream: given a pyarrow object, Polars rechunks it and imports
    ``pyarrow.compute`` (0.1 s of the job's start-up) to check dictionary types first.
    """
    return pl.Series(_ArrowStream(column))


def _chunked_like(column: pa.ChunkedArray, lengths: list[int]) -> pa.ChunkedArray:
    """``column`` cut into chunks of ``lengths`` (zero copy), so Polars needs no rechunk to align it."""
    whole = column.combine_chunks() if column.num_chunks > 1 else column.chunk(0)
    pieces, offset = [], 0
    for length in lengths:
        pieces.append(whole.slice(offset, length))
        offset += length
    return pa.chunked_array(pieces, type=column.type)


def unified(table: pa.Table) -> pa.Table:
    """The key columns dictionary-encoded, each with one dictionary for all its chunks (and ``bytes``,
    and ``timestamp`` if read)."""
    keys = [table.column(k) if pa.types.is_dictionary(table.schema.field(k).type)
            else table.column(k).dictionary_encode() for k in KEYS]
    rest = [c for c in ("bytes", "timestamp") if c in table.column_names]
    return pa.table([*keys, *(table.column(c) for c in rest)], names=[*KEYS, *rest]).unify_dictionaries()


def _named(sums: pl.DataFrame, code: pl.Expr, names: pl.Series) -> pl.DataFrame:
    """Sums per code (several rows may share one) -> one row per key string."""
    per_code = sums.group_by(code.alias("code")).agg(pl.col("value").sum(), pl.col("events").sum())
    return per_code.select(names.gather(per_code["code"]).alias("id"), "value", "events")


def _pair(apps_n: int) -> pl.Expr:
    """The (antenna, app) code pair as one integer key (antenna * apps_n + app)."""
    return (pl.col("antenna").cast(pl.Int64) * apps_n + pl.col("app")).alias("pair")


def _in_runs(ids: pl.Series) -> bool:
    """Whether the first rows' id codes come in runs of ``_MIN_RUN`` or more, on average."""
    sample = ids.head(_RUN_SAMPLE)
    return sample.len() >= _MIN_RUN * (int(sample.rle_id()[-1]) + 1) if sample.len() else False


def _id_sums(ids: pl.Series, sizes: pl.Series) -> pl.LazyFrame:
    """Sums per id code. Rows in runs of one code (rows grouped by id) are summed per run first:
    the run numbers are sorted, so Polars needs no hash table for them, and the few runs left are
    then summed per code. Any other order (the speed layer's time order) is summed per code
    directly. The first rows decide; either way the sums are exact."""
    rows = pl.DataFrame({"id": ids, "bytes": sizes})
    if not _in_runs(ids):
        return rows.lazy().group_by("id").agg(*_SUMS)
    runs = ids.rle_id()
    per_run = rows.with_columns(runs.set_sorted().alias("run")).lazy().group_by("run").agg(pl.col("id").first(), *_SUMS)
    return per_run.group_by("id").agg(pl.col("value").sum(), pl.col("events").sum())


def batch_sums(batch: pa.Table | pa.RecordBatch) -> list[pl.DataFrame]:
    """One batch of events (id, antenna_id, bytes, app) -> per key, (id = key, value, events)."""
    return unified_sums(unified(pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch))


def unified_sums(table: pa.Table) -> list[pl.DataFrame]:
    """``batch_sums`` of a batch already ``unified``."""
    if table.num_rows == 0:
        return [SUMS_SCHEMA.to_frame() for _ in KEYS]
    lengths = [len(chunk) for chunk in table.column(KEYS[0]).chunks]
    if any([len(chunk) for chunk in table.column(k).chunks] != lengths for k in KEYS):
        table = table.combine_chunks()
        lengths = [table.num_rows]
    (ids, id_names), (antennas, antenna_names), (apps, app_names) = (_codes(table.column(k)) for k in KEYS)
    sizes = _series(_chunked_like(table.column("bytes"), lengths)).cast(pl.Int64)
    # Polars wraps int64 sums: when the batch could pass BIGINT at all, sum on 128 bits and check.
    wide = int(sizes.max()) * sizes.len() > MAX_BIGINT  # type: ignore[arg-type]
    if wide:
        sizes = sizes.cast(pl.Int128)
    rows = pl.DataFrame({"antenna": antennas, "app": apps, "bytes": sizes}).lazy()
    apps_n = max(len(app_names), 1)
    if len(antenna_names) * apps_n <= _MAX_PAIRS:
        by_id, by_pair = pl.collect_all([_id_sums(ids, sizes), rows.group_by(_pair(apps_n)).agg(*_SUMS)],
                                        engine="streaming")
        by_antenna = _named(by_pair, pl.col("pair") // apps_n, antenna_names)
        by_app = _named(by_pair, pl.col("pair") % apps_n, app_names)
        out = [_named(by_id, pl.col("id"), id_names), by_antenna, by_app]
    else:
        frames = pl.collect_all([_id_sums(ids, sizes), *(rows.group_by(k).agg(*_SUMS) for k in ("antenna", "app"))],
                                engine="streaming")
        out = [_named(f, pl.col(k), names)
               for f, k, names in zip(frames, ("id", "antenna", "app"), (id_names, antenna_names, app_names), strict=True)]
    return [_narrow(sums, key) for sums, key in zip(out, KEYS, strict=True)] if wide else out


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

    def add(self, batch: pa.Table | pa.RecordBatch) -> None:
        self.add_sums(batch_sums(batch))

    def add_sums(self, batch: list[pl.DataFrame]) -> None:
        """Take in the sums of one batch (``unified_sums``)."""
        for parts, sums in zip(self._parts, batch, strict=True):
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


def key_sums(batches: Iterable[pa.Table | pa.RecordBatch]) -> list[pl.DataFrame]:
    """The exact sums per key of ``batches`` (the in-memory entry, used by tests and small inputs)."""
    sums = KeySums()
    for batch in batches:
        sums.add(batch)
    return sums.totals()
