"""Hour files: one per UTC hour, rows in input order, and open files bounded whatever the hours."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from processor.events.parse import parse_batch
from processor.lake import hour_files
from processor.lake.hour_files import write_hour_files

T13_HOUR = 463069  # 2022-10-29T13:00Z in hours since the epoch


def batch(first: int, hours: list[int]) -> pa.Table:
    values: list[bytes | None] = [
        f'{{"bytes":{first + i},"timestamp":{h * 3600 + i},"app":"X","id":"u","antenna_id":"a"}}'.encode()
        for i, h in enumerate(hours)]
    return parse_batch(values, list(range(len(values)))).events


@pytest.mark.parametrize("row_group", [10, 1000], ids=["many rows left: more passes", "few rows left: sorted"])
def test_many_hours_make_one_file_each_in_input_order_with_a_bounded_number_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, row_group: int) -> None:
    monkeypatch.setattr(hour_files, "OPEN_FILES", 4)
    monkeypatch.setattr(hour_files, "ROW_GROUP", row_group)
    open_now, most = 0, 0
    real = hour_files._HourFile

    class Counted(real):  # type: ignore[valid-type, misc]
        def __init__(self, tmp: Path) -> None:
            nonlocal open_now, most
            super().__init__(tmp)
            open_now += 1
            most = max(most, open_now)

        def close(self) -> None:
            nonlocal open_now
            super().close()
            open_now -= 1
    monkeypatch.setattr(hour_files, "_HourFile", Counted)
    # 3 batches, 30 hours, each hour's events spread over the batches (offset order = bytes order)
    tables = [batch(100 * b, [T13_HOUR + (i * 7 + b) % 30 for i in range(40)]) for b in range(3)]
    got: dict[int, list[int]] = {}

    def commit(hour: int, tmp: Path) -> None:
        assert hour not in got
        got[hour] = pq.read_table(tmp)["bytes"].to_pylist()
    assert write_hour_files(lambda: iter(tables), tmp_path, commit) == sorted(got) == [T13_HOUR + h for h in range(30)]
    for hour, values in got.items():
        expected = [v for t in tables for v, ts in zip(t["bytes"].to_pylist(), t["timestamp"].to_pylist(), strict=True)
                    if ts.timestamp() // 3600 == hour]
        assert values == expected  # every row of its hour, once, in input order
    assert most <= 4
