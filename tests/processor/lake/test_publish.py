"""Staging and publishing into the lake, on real files (no database needed)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import polars as pl
import pytest

from processor.events.parse import parse_batch
from processor.lake.manifest import MANIFEST, PublishManifest
from processor.lake.publish import execute, plan, publish
from processor.lake.staging import StagingArea, StagingRoot
from processor.records import TopicPartition

T13 = 1667048400  # 2022-10-29T13:00:00Z
DEVICES_0, DEVICES_3 = TopicPartition("devices", 0), TopicPartition("devices", 3)


def staging_area(root: Path, tp: TopicPartition) -> StagingArea:
    return StagingRoot(staged=root / "staging", temp=root / "tmp").area(tp)


def events(*stamps: int) -> object:
    values: list[bytes | None] = [f'{{"bytes":{i},"timestamp":{t},"app":"X","id":"u{i}","antenna_id":"a"}}'.encode()
                                  for i, t in enumerate(stamps)]
    return parse_batch(values, list(range(len(values)))).events


def lake_rows(lake: Path) -> list[tuple[object, ...]]:
    frame = pl.scan_parquet(lake / "**" / "*.parquet", hive_partitioning=True).collect()
    return sorted(frame.select("id", "bytes", "hour").rows())


def test_publishing_writes_one_file_per_hour_named_by_partition_and_offsets(tmp_path: Path) -> None:
    area = staging_area(tmp_path, DEVICES_3)
    area.stage(0, 1, events(T13 + 5, T13 + 3600))
    area.stage(2, 4, events(T13 + 10))
    written = publish(area, tmp_path / "events", DEVICES_3)
    names = sorted(str(p.relative_to(tmp_path / "events")) for p in written)
    assert names == [
        "year=2022/month=10/day=29/hour=13/part-devices-3-00000000000000000000-00000000000000000004.parquet",
        "year=2022/month=10/day=29/hour=14/part-devices-3-00000000000000000000-00000000000000000004.parquet",
    ]
    assert area.files() == [] and not (area.folder / MANIFEST).exists()
    assert lake_rows(tmp_path / "events") == [("u0", 0, 13), ("u0", 0, 13), ("u1", 1, 14)]


def test_an_interrupted_publish_is_finished_without_duplicating_an_event(tmp_path: Path) -> None:
    area = staging_area(tmp_path, DEVICES_0)
    area.stage(0, 1, events(T13, T13 + 3600))
    lake = tmp_path / "events"
    manifest = plan(area, lake, DEVICES_0)
    assert manifest is not None
    manifest.save(area)
    execute(area, lake, manifest)  # outputs written...
    area.stage(2, 2, events(T13 + 1))  # ...a new batch staged before the inputs were removed
    manifest.save(area)
    area.stage(0, 1, events(T13, T13 + 3600))  # the inputs are still there
    publish(area, lake, DEVICES_0)
    assert lake_rows(lake) == [("u0", 0, 13), ("u0", 0, 13), ("u1", 1, 14)]


def test_uncommitted_staged_files_and_temporary_files_are_discarded(tmp_path: Path) -> None:
    area = staging_area(tmp_path, DEVICES_0)
    kept = area.stage(0, 9, events(T13))
    area.stage(10, 19, events(T13))
    area.tmp_folder.mkdir(parents=True, exist_ok=True)
    (area.tmp_folder / "00000000000000000020-00000000000000000029.arrow.tmp").write_bytes(b"partial")
    gone = area.discard_uncommitted(next_offset=10)
    assert [f.first for f in gone] == [10]
    assert area.files() == [kept] and list(area.tmp_folder.iterdir()) == []


def test_the_lake_never_holds_anything_but_complete_parquet_files(tmp_path: Path) -> None:
    area = staging_area(tmp_path, DEVICES_0)
    area.stage(0, 0, events(T13))
    publish(area, tmp_path / "events", DEVICES_0)
    files = [p for p in (tmp_path / "events").rglob("*") if p.is_file()]
    assert files and all(p.suffix == ".parquet" and not p.name.startswith((".", "_")) for p in files)
    assert pl.scan_parquet(tmp_path / "events", hive_partitioning=True).collect().height == 1


def test_the_manifest_reads_back_as_written_and_keeps_its_json_shape(tmp_path: Path) -> None:
    area = staging_area(tmp_path, DEVICES_0)
    manifest = PublishManifest(inputs=("a.arrow", "b.arrow"), outputs={464736: "year=2023/x.parquet"})
    manifest.save(area)
    assert PublishManifest.load(area) == manifest
    assert (area.folder / MANIFEST).read_text() == \
        '{"inputs": ["a.arrow", "b.arrow"], "outputs": {"464736": "year=2023/x.parquet"}}'


def test_a_lake_folder_on_another_file_system_still_gets_each_file_by_one_rename(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs /dev/shm on another file system than the test's folder")
    lake = Path(tempfile.mkdtemp(dir=shm)) / "events"
    try:
        area = staging_area(tmp_path, DEVICES_0)
        area.stage(0, 1, events(T13, T13 + 3600))
        publish(area, lake, DEVICES_0)
        assert lake_rows(lake) == [("u0", 0, 13), ("u1", 1, 14)]
        assert sorted(p.name for p in lake.rglob("*") if p.is_file()) == [
            "part-devices-0-00000000000000000000-00000000000000000001.parquet"] * 2
    finally:
        shutil.rmtree(lake.parent)
