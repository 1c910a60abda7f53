"""One hour's files in a folder or a bucket: listing, fingerprints, checks (real Parquet files, no database)."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest

from batch.lake_reader import check_hour, list_hour, read_sums
from common.errors import LakeError
from common.lake_store import LakeStore

from .conftest import both_lakes
from .lake import at, events_table, write_bytes, write_events, write_table

H13 = at("2022-10-29T13:00")
E1 = ("2022-10-29T13:05:00", "u1", "A", 10, "SKYPE")
E2 = ("2022-10-29T13:06:00", "u2", "B", 20, "TELEGRAM")


@both_lakes
def test_in_progress_and_non_parquet_files_are_not_part_of_the_hour(lake: LakeStore) -> None:
    write_events(lake, "2022-10-29T13", "part-1.parquet", [E1])
    write_bytes(lake, "2022-10-29T13", ".part-2.parquet.tmp-9", b"half written")
    write_bytes(lake, "2022-10-29T13", "_publish.parquet", b"bookkeeping")
    write_bytes(lake, "2022-10-29T13", "notes.txt", b"x")
    assert [p.name for p in list_hour(lake, H13).files] == ["part-1.parquet"]


@both_lakes
def test_only_the_hours_own_folder_is_read_not_its_neighbours(lake: LakeStore) -> None:
    write_events(lake, "2022-10-29T13", "part-1.parquet", [E1])
    write_events(lake, "2022-10-29T14", "part-1.parquet", [("2022-10-29T14:00:00", "u1", "A", 1, "SKYPE")])
    write_events(lake, "2022-10-29T01", "part-1.parquet", [("2022-10-29T01:00:00", "u1", "A", 1, "SKYPE")])
    files = list_hour(lake, H13)
    assert [f.relative for f in files.files] == ["year=2022/month=10/day=29/hour=13/part-1.parquet"]
    by_id, by_antenna, by_app = (frame.rows() for frame in read_sums(files))
    assert (by_id, by_antenna, by_app) == ([("u1", 10, 1)], [("A", 10, 1)], [("SKYPE", 10, 1)])


@both_lakes
def test_a_missing_folder_is_an_hour_without_files(lake: LakeStore) -> None:
    files = list_hour(lake, H13)
    assert (files.files, files.fingerprint) == ((), "")


@both_lakes
def test_the_fingerprint_changes_when_a_file_is_added_or_rewritten(lake: LakeStore) -> None:
    write_events(lake, "2022-10-29T13", "part-1.parquet", [E1])
    first = list_hour(lake, H13).fingerprint
    assert list_hour(lake, H13).fingerprint == first
    write_events(lake, "2022-10-29T13", "part-2.parquet", [E1])
    second = list_hour(lake, H13).fingerprint
    write_events(lake, "2022-10-29T13", "part-1.parquet", [E1, E2])
    assert len({first, second, list_hour(lake, H13).fingerprint}) == 3


@both_lakes
def test_a_file_that_is_not_parquet_is_named_in_the_error(lake: LakeStore) -> None:
    bad = write_bytes(lake, "2022-10-29T13", "part-9.parquet", b"PAR1 this is not parquet")
    with pytest.raises(LakeError, match=re.escape(f"unreadable Parquet file {bad}")):
        check_hour(list_hour(lake, H13))


@both_lakes
def test_a_wrongly_typed_column_is_named_with_the_file(lake: LakeStore) -> None:
    table = events_table([E1]).set_column(3, "bytes", pa.array(["10"]))
    path = write_table(lake, "2022-10-29T13", "part-1.parquet", table)
    with pytest.raises(LakeError, match=re.escape(f"wrong Parquet file {path}: column bytes is string, expected int64")):
        check_hour(list_hour(lake, H13))


@both_lakes
def test_a_missing_column_is_named_with_the_file(lake: LakeStore) -> None:
    write_table(lake, "2022-10-29T13", "part-1.parquet", events_table([E1]).drop_columns(["app"]))
    with pytest.raises(LakeError, match="missing column"):
        check_hour(list_hour(lake, H13))


@both_lakes
def test_events_outside_the_folders_utc_hour_make_the_file_wrong(lake: LakeStore) -> None:
    write_events(lake, "2022-10-29T13", "part-1.parquet", [E1, ("2022-10-29T14:00:00", "u1", "A", 1, "SKYPE")])
    with pytest.raises(LakeError, match="outside hour 2022-10-29T13:00Z"):
        check_hour(list_hour(lake, H13))


@both_lakes
def test_the_last_microsecond_of_the_hour_belongs_to_it(lake: LakeStore) -> None:
    write_events(lake, "2022-10-29T13", "part-1.parquet", [
        ("2022-10-29T13:00:00", "u1", "A", 1, "SKYPE"), ("2022-10-29T13:59:59.999999", "u1", "A", 1, "SKYPE")])
    assert check_hour(list_hour(lake, H13)) == 2
