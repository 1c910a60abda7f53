"""Which hours --catch-up picks, from one listing of the lake and the ledger's fingerprints."""

from __future__ import annotations

from batch.catchup import lake_files_by_hour, partition_hour, pending_hours
from batch.lake_reader import list_hour
from common.lake_store import LakeStore

from .conftest import both_lakes
from .lake import at, lake_path, put, write_bytes, write_events


def event(hour: str) -> tuple[str, str, str, int, str]:
    return (hour + ":10:00", "u1", "A", 1, "SKYPE")


@both_lakes
def test_lake_hours_are_found_from_the_partition_paths_oldest_first(lake: LakeStore) -> None:
    for hour in ("2022-10-29T23", "2022-10-29T03", "2022-10-30T00"):
        write_events(lake, hour, "p.parquet", [event(hour)])
    put(lake, lake_path(lake, "year=2022/month=10/not-a-partition/p.parquet"), b"elsewhere")
    assert list(lake_files_by_hour(lake)) == [at("2022-10-29T03:00"), at("2022-10-29T23:00"), at("2022-10-30T00:00")]


def test_a_path_is_an_hour_only_with_the_four_partition_keys_and_a_real_date() -> None:
    assert partition_hour("year=2022/month=10/day=29/hour=13/p.parquet") == at("2022-10-29T13:00")
    assert partition_hour("year=2022/month=2/day=30/hour=13/p.parquet") is None
    assert partition_hour("year=2022/month=10/day=29/p.parquet") is None
    assert partition_hour("year=2022/month=10/day=29/minute=13/p.parquet") is None
    assert partition_hour("year=2022/month=10/day=29/hour=²/p.parquet") is None  # a Unicode digit, not int()'s
    assert partition_hour("year=2022/month=10/day=29/hour=13/extra/p.parquet") is None
    assert partition_hour("p.parquet") is None


@both_lakes
def test_new_hours_and_hours_whose_files_changed_are_pending(lake: LakeStore) -> None:
    for hour in ("2022-10-29T13", "2022-10-29T14", "2022-10-29T15"):
        write_events(lake, hour, "p.parquet", [event(hour)])
    done = {h: list_hour(lake, h).fingerprint for h in (at("2022-10-29T13:00"), at("2022-10-29T14:00"))}
    assert list(pending_hours(lake, done, before=at("2022-10-30T00:00"))) == [at("2022-10-29T15:00")]
    write_events(lake, "2022-10-29T13", "late.parquet", [event("2022-10-29T13")])
    pending = list(pending_hours(lake, done, before=at("2022-10-30T00:00")))
    assert pending == [at("2022-10-29T13:00"), at("2022-10-29T15:00")]


@both_lakes
def test_the_hour_still_being_written_and_hours_without_files_are_not_pending(lake: LakeStore) -> None:
    write_events(lake, "2022-10-29T13", "p.parquet", [event("2022-10-29T13")])
    write_bytes(lake, "2022-10-29T12", ".p.parquet.tmp-1", b"in progress")
    assert list(pending_hours(lake, {}, before=at("2022-10-29T13:00"))) == []
