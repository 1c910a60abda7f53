"""One key's running totals in one reader, and the merge of several readers' totals (on 128 bits).

A reader sums each batch on the batch's own dictionary codes (``key_sums``); those few sums land
here, keyed by string: the reader's dictionary grows by the strings it has not seen (each checked
against the input contract once), and bytes, events and a contract flag are kept per string.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from common.bigint import MAX_BIGINT, passes_bigint
from common.errors import LakeError

from .row_check import bad_entries

SUMS_SCHEMA = pl.Schema({"id": pl.String(), "value": pl.Int64(), "events": pl.Int64()})


def _past_bigint(key: str) -> LakeError:
    return LakeError(f"a sum of bytes per {key} passes {MAX_BIGINT} "
                     "(the lake holds events the speed layer would have refused)")


class KeyTotals:
    """One key's running totals in one reader: its strings, and bytes, events and contract flags per string."""

    def __init__(self) -> None:
        self.names = pa.array([], pa.string())
        self.value = np.zeros(0, dtype=np.int64)
        self.events = np.zeros(0, dtype=np.int64)
        self.bad: np.ndarray = np.zeros(0, dtype=bool)

    def codes(self, dictionary: pa.Array) -> np.ndarray:
        """Where each string of ``dictionary`` sits in ``names`` (new strings appended, checked once)."""
        dictionary = dictionary.cast(pa.string()) if dictionary.type != pa.string() else dictionary
        found = pc.index_in(dictionary, value_set=self.names)
        if found.null_count == 0:
            return found.to_numpy()
        new = found.is_null()
        fresh = dictionary.filter(new)
        start = len(self.names)
        self.names = pa.concat_arrays([self.names, fresh])
        grow = len(fresh)
        self.value = np.concatenate([self.value, np.zeros(grow, dtype=self.value.dtype)])
        self.events = np.concatenate([self.events, np.zeros(grow, dtype=np.int64)])
        flags = np.zeros(grow, dtype=bool)
        flags[bad_entries(fresh)] = True
        self.bad = np.concatenate([self.bad, flags])
        out = found.fill_null(0).to_numpy().copy()
        out[new.to_numpy(zero_copy_only=False)] = np.arange(start, start + grow)
        return out

    def add(self, codes: np.ndarray, value: np.ndarray, events: np.ndarray) -> None:
        if value.dtype == object and self.value.dtype != object:
            self.value = self.value.astype(object)
        np.add.at(self.value, codes, value)
        np.add.at(self.events, codes, events)

    def frame(self, key: str) -> pl.DataFrame:
        used = self.events > 0  # a dictionary string no row used is no one's total
        names = pl.Series(self.names.filter(pa.array(used))).cast(pl.String)
        values = self.value[used]
        if values.dtype == object:
            if passes_bigint(values):
                raise _past_bigint(key)
            values = values.astype(np.int64)
        return pl.DataFrame({"id": names, "value": values, "events": self.events[used]}, schema=SUMS_SCHEMA)


def merge(parts: Iterable[pl.DataFrame], key: str = "key") -> pl.DataFrame:
    """Partial sums of one key merged into one row per key (on 128 bits: checked, never wrapped)."""
    frames = list(parts)
    if not frames:
        return SUMS_SCHEMA.to_frame()
    merged = pl.concat(frames).group_by("id").agg(pl.col("value").cast(pl.Int128).sum(), pl.col("events").sum())
    if passes_bigint(merged["value"]):
        raise _past_bigint(key)
    return merged.with_columns(pl.col("value").cast(pl.Int64))
