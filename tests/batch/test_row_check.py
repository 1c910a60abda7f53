"""The input contract on rows of the lake, in memory: the rules, the first row named, unused entries."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from batch.key_sums import BadRow, KeySums
from common import lake
from processor.events import contract

HOUR = datetime(2022, 10, 29, 13, tzinfo=UTC)


def table(ids: list[str], sizes: list[int]) -> pa.Table:
    n = len(ids)
    return pa.table({"id": ids, "antenna_id": ["a"] * n, "bytes": pa.array(sizes, pa.int64()), "app": ["X"] * n})


def problem(rows: pa.Table, max_event_bytes: int = 10**12) -> tuple[int, str] | None:
    try:
        KeySums(max_event_bytes, HOUR).add(rows)
    except BadRow as e:
        return e.row, e.rule
    return None


def test_the_lake_and_the_speed_layer_share_the_contracts_bounds() -> None:
    assert (lake.MAX_TEXT, lake.MAX_EPOCH, lake.DEFAULT_MAX_EVENT_BYTES) == (
        contract.MAX_TEXT, contract.MAX_EPOCH, contract.DEFAULT_MAX_EVENT_BYTES)


def test_rows_at_the_edges_of_the_contract_pass() -> None:
    assert problem(table(["x" * 256, "é" * 256, "y"], [0, 10**12, 5])) is None


@pytest.mark.parametrize(("rows", "expected"), [
    (table(["a", "b", "x" * 257], [1, 2, 3]), (2, "id has 257 characters, more than 256")),
    (table(["a", "", "c"], [1, 2, 3]), (1, "id is empty")),
    (table(["a", "b", "c"], [1, -5, 3]), (1, "bytes -5 is negative")),
])
def test_the_first_breaking_row_is_named_with_its_rule(rows: pa.Table, expected: tuple[int, str]) -> None:
    assert problem(rows) == expected


def test_bytes_above_the_setting_break_the_contract() -> None:
    assert problem(table(["a", "b", "c"], [1, 2, 3]), max_event_bytes=2) == (2, "bytes 3 is more than MAX_EVENT_BYTES (2)")


def test_a_dictionary_entry_no_row_uses_breaks_nothing_and_is_no_ones_total() -> None:
    def rows(indices: list[int]) -> pa.Table:
        ids = pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), pa.array(["ok", "bad\0"]))
        return pa.table({"id": ids, "antenna_id": ids, "bytes": pa.array([1, 2], pa.int64()), "app": ids})

    sums = KeySums(10**12, HOUR)
    sums.add(rows([0, 0]))
    assert [frame.rows() for frame in sums.totals()] == [[("ok", 3, 2)]] * 3
    assert problem(rows([0, 1])) == (1, "id holds U+0000")


def test_timestamps_read_from_the_rows_must_be_inside_the_hour() -> None:
    stamps = pa.array([HOUR, datetime(2022, 10, 29, 14, tzinfo=UTC)], pa.timestamp("us", "UTC"))
    rows = table(["a", "b"], [1, 2]).append_column("timestamp", stamps)
    assert problem(rows) == (1, "timestamp 2022-10-29 14:00:00+00:00 is outside hour 2022-10-29T13:00Z")
