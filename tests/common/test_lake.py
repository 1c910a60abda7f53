"""The lake's layout, round trip: hour <-> prefix, record <-> file name, and which files count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from common.lake import (
    FileName,
    counts,
    file_name,
    hour_dir,
    hour_prefix,
    parse_file_name,
    prefix_hour,
    temporary_name,
)

# Hours around the edges of days, months, years, a leap day, the epoch and the last year of four digits.
EDGES = [datetime(1970, 1, 1, tzinfo=UTC), datetime(2022, 10, 29, 13, tzinfo=UTC),
         datetime(2022, 12, 31, 23, tzinfo=UTC), datetime(2024, 2, 28, 23, tzinfo=UTC),
         datetime(2024, 2, 29, 23, tzinfo=UTC), datetime(2025, 3, 30, 0, tzinfo=UTC),
         datetime(9999, 12, 31, 23, tzinfo=UTC)]


def test_one_known_hour_has_the_prefix_spark_writes_without_zero_padding() -> None:
    assert hour_prefix(datetime(2022, 3, 5, 7, tzinfo=UTC)) == "year=2022/month=3/day=5/hour=7"
    assert hour_prefix(1_646_463_600) == "year=2022/month=3/day=5/hour=7"  # the same hour in epoch seconds
    assert hour_dir(Path("/lake"), 1_646_463_600) == Path("/lake/year=2022/month=3/day=5/hour=7")


def test_every_hour_of_three_years_and_the_edge_hours_come_back_from_their_prefix() -> None:
    start = datetime(2023, 1, 1, tzinfo=UTC) - timedelta(hours=1)  # 2022-12-31T23: a year boundary
    hours = [start + timedelta(hours=i) for i in range(3 * 366 * 24)] + EDGES
    prefixes = {hour_prefix(h) for h in hours}
    assert len(prefixes) == len(set(hours))  # no two hours share a prefix
    for hour in hours:
        assert prefix_hour(hour_prefix(hour)) == hour
        assert prefix_hour(hour_prefix(int(hour.timestamp()))) == hour


def test_an_hour_given_in_another_time_zone_is_its_utc_hour() -> None:
    paris = datetime(2022, 10, 30, 1, tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris"))
    assert hour_prefix(paris) == "year=2022/month=10/day=30/hour=1"


@pytest.mark.parametrize("prefix", [
    "year=2022/month=2/day=30/hour=13",  # no such day
    "year=2022/month=10/day=29/hour=24",
    "year=2022/month=10/day=29",  # too short
    "year=2022/month=10/day=29/hour=13/p.parquet",  # a file, not a prefix
    "year=2022/month=10/day=29/minute=13",
    "month=10/year=2022/day=29/hour=13",  # keys out of order
    "year=2022/month=10/day=29/hour=-1",
    "year=2022/month=10/day=29/hour=²",  # a digit to Unicode, not to int()
    "year=2022/month=10/day=29/hour=",
    "",
])
def test_a_prefix_names_an_hour_only_with_the_four_keys_in_order_and_a_real_date(prefix: str) -> None:
    assert prefix_hour(prefix) is None


def test_one_known_file_name_is_unchanged_byte_for_byte() -> None:
    # Existing lakes hold files with this name: any change to it would duplicate their data on replay.
    assert file_name("devices", 3, 0, 41) == \
        "part-devices-3-00000000000000000000-00000000000000000041.parquet"


@pytest.mark.parametrize("record", [
    FileName("devices", 0, 0, 0),
    FileName("devices", 11, 1_000, 1_999),
    FileName("my.topic-with_dashes-7", 7, 41, 2**63 - 1),  # a topic that looks like the rest of the name
    FileName("a", 4096, 2**63 - 2, 2**63 - 1),
])
def test_a_file_name_parses_back_to_its_record_and_prints_again_the_same(record: FileName) -> None:
    name = file_name(record.topic, record.partition, record.first, record.last)
    assert parse_file_name(name) == record and str(record) == name
    assert counts(name)


def test_file_names_sort_in_offset_order() -> None:
    names = [file_name("devices", 0, first, first + 9) for first in (0, 10, 100, 1_000, 99_990)]
    assert sorted(names) == names


@pytest.mark.parametrize("topic, partition, first", [("", 0, 0), ("dev/ices", 0, 0), ("devices", -1, 0),
                                                     ("devices", 0, -1), ("devices", 0, 10**20)])
def test_a_record_with_no_lake_file_name_is_refused(topic: str, partition: int, first: int) -> None:
    with pytest.raises(ValueError, match="no lake file name"):
        file_name(topic, partition, first, first + 1)


@pytest.mark.parametrize("name", [
    "part-00000-5b1c.c000.snappy.parquet",  # Spark's
    "part-devices-3-0-41.parquet",  # offsets not padded
    "part-devices-03-00000000000000000000-00000000000000000041.parquet",  # partition padded
    "part-devices-3-00000000000000000000-00000000000000000041.parquet.tmp",
    "events.parquet",
])
def test_a_name_the_speed_layer_did_not_write_parses_to_nothing(name: str) -> None:
    assert parse_file_name(name) is None


@pytest.mark.parametrize("name, expected", [
    ("part-devices-3-00000000000000000000-00000000000000000041.parquet", True),
    ("part-00000-5b1c.c000.snappy.parquet", True),  # another writer's Parquet file is data too
    ("events.parquet", True),
    ("_SUCCESS", False),
    ("_metadata.parquet", False),
    (".part-0.parquet.crc", False),
    (".events.parquet", False),
    ("README.txt", False),
    ("part-devices-3-00000000000000000000-00000000000000000041.parquet.swp", False),
])
def test_only_parquet_files_not_starting_with_a_dot_or_an_underscore_count(name: str, expected: bool) -> None:
    assert counts(name) is expected


def test_a_temporary_name_never_counts_and_tells_writers_apart() -> None:
    final = file_name("devices", 3, 0, 41)
    one, other = temporary_name(final, "1234"), temporary_name(final, "5678")
    assert one == f".{final}.tmp-1234" and one != other
    assert not counts(one) and parse_file_name(one) is None
