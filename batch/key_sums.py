"""Sums of bytes per id, antenna_id and app, computed on dictionary codes (the pure core of the hour).

A lake file stores each key column dictionary-encoded: per row group, a small dictionary of the
distinct strings and one integer code per row. Each batch is summed on its own codes with a
direct-indexed sum (numpy's ``add.at`` on int64 for bytes, ``bincount`` for event counts: an array
slot per code, no hash table, no string per row), per id and per (antenna, app) code pair; antennas
and apps are rolled up from the pairs. Only then are the few thousand sums mapped to the key
strings (``pc.index_in`` of the batch's dictionary in the reader's own dictionary: one hash per
distinct string) and added into the reader's running totals (``key_totals``). The result is exact whatever the
dictionaries, the row order or the batching.

Exact, never wrapped: a batch whose largest ``bytes`` times its rows could pass BIGINT is summed in
31-bit slices and recombined on Python integers; running totals are int64 while the sum of every
row's largest possible value stays within BIGINT, and Python integers after. A total past BIGINT is
a ``LakeError``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from common import schema
from common.bigint import MAX_BIGINT
from common.errors import LakeError

from .key_totals import SUMS_SCHEMA, KeyTotals, merge
from .row_check import bytes_problem, entry_rule, time_problem

KEYS = tuple(schema.METRIC_TYPES)  # id, antenna_id, app: the fields summed over
__all__ = ["KEYS", "SUMS_SCHEMA", "BadRow", "KeySums", "key_sums", "merge"]
_MAX_PAIRS = 1 << 16  # antenna x app codes summed as one key up to this many combinations


class BadRow(LakeError):
    """A row that breaks the input contract: ``row`` counts from the start of the table given."""

    def __init__(self, row: int, rule: str) -> None:
        super().__init__(f"row {row}: {rule}")
        self.row, self.rule = row, rule


def _sums(chunks: list[np.ndarray], sizes: np.ndarray, n: int, top: int) -> tuple[np.ndarray, np.ndarray]:
    """Bytes (int64, or Python ints past BIGINT) and events per code in ``[0, n)``, of codes given in
    chunks (together as long as ``sizes``); ``top`` bounds ``sizes``."""
    events = np.zeros(n, dtype=np.int64)
    wide = top * len(sizes) > MAX_BIGINT  # a partial sum could wrap: 31-bit slices, added on Python ints
    slices = [np.zeros(n, dtype=np.int64) for _ in range(0, 64, 31) if wide or _ == 0]
    offset = 0
    for codes in chunks:
        part = sizes[offset:offset + len(codes)]
        events += np.bincount(codes, minlength=n)
        if wide:
            for value, shift in zip(slices, range(0, 64, 31), strict=True):
                np.add.at(value, codes, (part >> shift) & ((1 << 31) - 1))
        else:
            np.add.at(slices[0], codes, part)
        offset += len(codes)
    if not wide:
        return slices[0], events
    total = np.zeros(n, dtype=object)
    for value, shift in zip(slices, range(0, 64, 31), strict=True):
        total += value.astype(object) * (1 << shift)
    return total, events


class KeySums:
    """Running sums per key of one reader; each row group is checked against the input contract
    (``max_event_bytes``, and ``hour`` when timestamps are given) as it is summed."""

    def __init__(self, max_event_bytes: int = MAX_BIGINT, hour: datetime | None = None) -> None:
        self._totals = [KeyTotals() for _ in KEYS]
        self._bound = 0  # largest sum any total could have reached: int64 is safe while <= MAX_BIGINT
        self._max_event_bytes, self._hour = max_event_bytes, hour
        self._others: list[KeySums] = []

    def add(self, batch: pa.Table | pa.RecordBatch) -> None:
        """Sum one batch of events (id, antenna_id, bytes, app, maybe timestamp); ``BadRow`` if one breaks the contract."""
        table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
        if not table.num_rows:
            return
        for name in table.column_names:
            if (nulls := table.column(name).null_count) > 0:
                row = int(np.flatnonzero(table.column(name).is_null().to_numpy())[0])
                raise BadRow(row, f"column {name} has {nulls} null(s)")
        table = _unified(table)
        raw = table.column("bytes").to_numpy()
        low, top = int(raw.min()), int(raw.max())
        if (problem := bytes_problem(raw, low, top, self._max_event_bytes)) is not None:
            raise BadRow(problem[0], problem[1])
        if self._hour is not None and "timestamp" in table.column_names:
            if (problem := time_problem(table.column("timestamp").combine_chunks(), self._hour)) is not None:
                raise BadRow(problem[0], problem[1])
        sizes = raw.astype(np.int64, copy=False)
        self._bound += top * len(sizes)
        columns = [table.column(k) for k in KEYS]
        ids, antennas, apps = ([chunk.indices.to_numpy() for chunk in column.chunks] for column in columns)
        nid, na, np_ = (len(column.chunk(0).dictionary) for column in columns)
        by_id = _sums(ids, sizes, nid, top)
        if na * np_ <= _MAX_PAIRS:
            pair_v, pair_e = _sums([a * np_ + p for a, p in zip(antennas, apps, strict=True)], sizes, na * np_, top)
            shape = (na, np_)
            parts = [by_id, (pair_v.reshape(shape).sum(axis=1), pair_e.reshape(shape).sum(axis=1)),
                     (pair_v.reshape(shape).sum(axis=0), pair_e.reshape(shape).sum(axis=0))]
        else:
            parts = [by_id, _sums(antennas, sizes, na, top), _sums(apps, sizes, np_, top)]
        if self._bound > MAX_BIGINT:
            parts = [(v.astype(object), e) for v, e in parts]
        for key, totals, column, (value, events) in zip(KEYS, self._totals, columns, parts, strict=True):
            dictionary = column.chunk(0).dictionary
            codes = totals.codes(dictionary)
            if totals.bad.size and (hit := totals.bad[codes] & (events > 0)).any():
                bad_code = int(np.flatnonzero(hit)[0])
                rows = np.concatenate([chunk.indices.to_numpy() for chunk in column.chunks])
                raise BadRow(int(np.flatnonzero(rows == bad_code)[0]), _rule(key, dictionary[bad_code]))
            totals.add(codes, value, events)

    def extend(self, other: KeySums) -> None:
        """Take in the sums of another reader (each reading thread keeps its own)."""
        self._others.append(other)

    def totals(self) -> list[pl.DataFrame]:
        """Per key (id, antenna_id, app): one row per distinct value with its bytes and events."""
        readers = [self, *self._others]
        return [merge([r._totals[i].frame(key) for r in readers], key) for i, key in enumerate(KEYS)]


def _rule(key: str, value: pa.Scalar) -> str:
    return f"{key} {entry_rule(value.as_buffer().to_pybytes())}"


def _unified(table: pa.Table) -> pa.Table:
    """``table`` with each key column dictionary-encoded, one dictionary for all its chunks (pyarrow's
    ``unify_dictionaries``: strings hashed once per dictionary entry, codes translated), ``bytes`` one chunk."""
    columns = {name: table.column(name) for name in table.column_names}
    for k in KEYS:
        if not pa.types.is_dictionary(columns[k].type):
            columns[k] = pc.dictionary_encode(columns[k])
    if columns["bytes"].num_chunks != 1:
        columns["bytes"] = pa.chunked_array([columns["bytes"].combine_chunks()])
    return pa.table(columns).unify_dictionaries()


def key_sums(batches: Iterable[pa.Table | pa.RecordBatch]) -> list[pl.DataFrame]:
    """The exact sums per key of ``batches`` (the in-memory entry, used by tests and small inputs)."""
    sums = KeySums()
    for batch in batches:
        sums.add(batch)
    return sums.totals()
