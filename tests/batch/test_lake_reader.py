"""One hour's files on disk: listing, fingerprints, checks (real Parquet files, no database)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from batch.lake_reader import check_hour, list_hour
from common.errors import LakeError

from .lake import at, events_table, write_bytes, write_events

H13 = at("2022-10-29T13:00")
E1 = ("2022-10-29T13:05:00", "u1", "A", 10, "SKYPE")


def test_in_progress_and_non_parquet_files_are_not_part_of_the_hour(lake: Path) -> None:
    write_events(lake, "2022-10-29T13", "part-1.parquet", [E1])
    write_bytes(lake, "2022-10-29T13", ".part-2.parquet.tmp-9", b"half written")
    write_bytes(lake, "2022-10-29T13", "_publish.parquet", b"bookkeeping")
    write_bytes(lake, "2022-10-29T13", "notes.txt", b"x")
    assert [p.name for p in list_hour(lake, H13).files] == ["part-1.parquet"]


def test_a_missing_folder_is_an_hour_without_files(lake: Path) -> None:
    files = list_hour(lake, H13)
    assert (files.files, files.fingerprint) == ((), "")


def test_the_fingerprint_changes_when_a_file_is_added_or_rewritten(lake: Path) -> None:
    path = write_events(lake, "2022-10-29T13", "part-1.parquet", [E1])
    first = list_hour(lake, H13).fingerprint
    assert list_hour(lake, H13).fingerprint == first
    write_events(lake, "2022-10-29T13", "part-2.parquet", [E1])
    second = list_hour(lake, H13).fingerprint
    os.utime(path, ns=(1, 1))
    assert len({first, second, list_hour(lake, H13).fingerprint}) == 3


def test_a_file_that_is_not_parquet_is_named_in_the_error(lake: Path) -> None:
    bad = write_bytes(lake, "2022-10-29T13", "part-9.parquet", b"PAR1 this is not parquet")
    with pytest.raises(LakeError, match=re.escape(f"unreadable Parquet file {bad}")):
        check_hour(list_hour(lake, H13))


def test_a_wrongly_typed_column_is_named_with_the_file(lake: Path) -> None:
    table = events_table([E1]).set_column(3, "bytes", pa.array(["10"]))
    path = lake / "year=2022/month=10/day=29/hour=13/part-1.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(table, path)
    with pytest.raises(LakeError, match=re.escape(f"wrong Parquet file {path}: column bytes is string, expected int64")):
        check_hour(list_hour(lake, H13))


def test_a_missing_column_is_named_with_the_file(lake: Path) -> None:
    path = lake / "year=2022/month=10/day=29/hour=13/part-1.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(events_table([E1]).drop_columns(["app"]), path)
    with pytest.raises(LakeError, match="missing column"):
        check_hour(list_hour(lake, H13))


def test_events_outside_the_folders_utc_hour_make_the_file_wrong(lake: Path) -> None:
    write_events(lake, "2022-10-29T13", "part-1.parquet", [E1, ("2022-10-29T14:00:00", "u1", "A", 1, "SKYPE")])
    with pytest.raises(LakeError, match="outside hour 2022-10-29T13:00Z"):
        check_hour(list_hour(lake, H13))


def test_the_last_microsecond_of_the_hour_belongs_to_it(lake: Path) -> None:
    write_events(lake, "2022-10-29T13", "part-1.parquet", [
        ("2022-10-29T13:00:00", "u1", "A", 1, "SKYPE"), ("2022-10-29T13:59:59.999999", "u1", "A", 1, "SKYPE")])
    assert check_hour(list_hour(lake, H13)) == 2
