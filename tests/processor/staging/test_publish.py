"""Staging and publishing into a lake folder, crash windows included (real files, real PostgreSQL)."""

from __future__ import annotations

import errno
import os
import resource
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
import pytest
from pydantic import SecretStr

from common import schema
from common.db import DatabaseConfig
from common.errors import LakeUnavailable
from processor.events.parse import parse_batch
from processor.lake.durable import file_system
from processor.metrics import Metrics
from processor.postgres.connection import ReconnectingConnection
from processor.postgres.offsets import advance
from processor.records import TopicPartition
from processor.staging.contract import Staging
from processor.staging.files import StagedFiles
from processor.staging.folder import FolderStaging
from processor.staging.publisher import PIECE, Piece, next_piece
from processor.staging.rows import StagedBatch

from ...helpers import query
from ...services import provisioned_database, role_url

T13 = 1667048400  # 2022-10-29T13:00:00Z
DEVICES_0, DEVICES_3 = TopicPartition("devices", 0), TopicPartition("devices", 3)


def staging_area(root: Path, tp: TopicPartition) -> StagedFiles:
    return StagedFiles(root / "staging", root / "tmp", tp)


def events(*stamps: int) -> object:
    values: list[bytes | None] = [f'{{"bytes":{i},"timestamp":{t},"app":"X","id":"u{i}","antenna_id":"a"}}'.encode()
                                  for i, t in enumerate(stamps)]
    return parse_batch(values, list(range(len(values)))).events


def lake_rows(lake: Path) -> list[tuple[object, ...]]:
    frame = pl.scan_parquet(lake / "**" / "*.parquet", hive_partitioning=True).collect()
    return sorted(frame.select("id", "bytes", "hour").rows())


def lake_names(lake: Path) -> list[str]:
    return sorted(str(p.relative_to(lake)) for p in lake.rglob("*") if p.is_file())


class Crash(Exception):
    """The owner dies inside a transaction: PostgreSQL rolls it back."""


@pytest.fixture
def folder(postgres_url: str, tmp_path: Path) -> Iterator[tuple[Path, ReconnectingConnection, str]]:
    """A provisioned database, a connection as the processor's role, and a data folder."""
    with provisioned_database(postgres_url) as url:
        db = ReconnectingConnection(DatabaseConfig(SecretStr(role_url(url, schema.PROCESSOR_ROLE))), Metrics())
        yield tmp_path, db, url
        db.close()


def staging_in(data: Path, piece: Piece = PIECE) -> FolderStaging:
    return FolderStaging(data / "staging", data / "tmp", data / "events", piece)


def checkpoint(staging: Staging, db: ReconnectingConnection, tp: TopicPartition, first: int, last: int,
               stamps: tuple[int, ...], commit: bool = True) -> None:
    """Stage one batch and advance the offsets as a checkpoint does; committed or (a crash) rolled back."""
    def work(conn: psycopg.Connection[Any]) -> None:
        stager, _ = staging.take(conn, tp)
        stager.stage(first, last, events(*stamps))
        advance(conn, tp, last + 1)
        if not commit:
            raise Crash
    if commit:
        db.transaction(work)
    else:
        with pytest.raises(Crash):
            db.transaction(work)


@pytest.mark.integration
def test_publishing_writes_one_file_per_hour_named_by_partition_and_offsets(folder: Any) -> None:
    data, db, url = folder
    staging = staging_in(data)
    checkpoint(staging, db, DEVICES_3, 0, 1, (T13 + 5, T13 + 3600))
    checkpoint(staging, db, DEVICES_3, 2, 4, (T13 + 10,))
    written = staging.publish(db, DEVICES_3)
    assert sorted(str(Path(p).relative_to(data / "events")) for p in written) == lake_names(data / "events") == [
        "year=2022/month=10/day=29/hour=13/part-devices-3-00000000000000000000-00000000000000000004.parquet",
        "year=2022/month=10/day=29/hour=14/part-devices-3-00000000000000000000-00000000000000000004.parquet",
    ]
    assert staging_area(data, DEVICES_3).files() == []
    assert query(url, "SELECT count(*) FROM processor_staging UNION ALL SELECT count(*) FROM processor_publishing") \
        == [(0,), (0,)]
    assert lake_rows(data / "events") == [("u0", 0, 13), ("u0", 0, 13), ("u1", 1, 14)]


@pytest.mark.integration
def test_a_publish_interrupted_after_its_renames_is_finished_with_the_same_names(folder: Any) -> None:
    data, db, _ = folder
    staging = staging_in(data)
    checkpoint(staging, db, DEVICES_0, 0, 1, (T13, T13 + 3600))
    span, _ = db.transaction(staging._publisher.plan, DEVICES_0)  # the range is recorded...

    def crash_before_commit(conn: psycopg.Connection[Any]) -> None:
        staging._publisher.execute(conn, DEVICES_0, span)  # ...the hour files renamed into the lake...
        raise Crash  # ...and the owner dies before its COMMIT
    with pytest.raises(Crash):
        db.transaction(crash_before_commit)
    first_attempt = lake_names(data / "events")
    checkpoint(staging, db, DEVICES_0, 2, 2, (T13 + 1,))  # the next owner stages before its first publish
    staging_in(data).publish(db, DEVICES_0)
    assert lake_names(data / "events") == sorted([*first_attempt, "year=2022/month=10/day=29/hour=13/"
                                                  "part-devices-0-00000000000000000002-00000000000000000002.parquet"])
    assert lake_rows(data / "events") == [("u0", 0, 13), ("u0", 0, 13), ("u1", 1, 14)]


@pytest.mark.integration
def test_a_batch_whose_transaction_rolled_back_leaves_no_file_and_is_never_published(folder: Any) -> None:
    data, db, _ = folder
    staging = staging_in(data)
    checkpoint(staging, db, DEVICES_0, 0, 1, (T13, T13 + 1), commit=False)
    area = staging_area(data, DEVICES_0)
    area.tmp_folder.mkdir(parents=True, exist_ok=True)
    (area.tmp_folder / "00000000000000000002-00000000000000000003.arrow.x.tmp").write_bytes(b"partial")
    assert staging.publish(db, DEVICES_0) == [] and not (data / "events").exists()
    assert area.files() == [] and list(area.tmp_folder.iterdir()) == []


def test_uncommitted_staged_files_and_temporary_files_are_discarded(tmp_path: Path) -> None:
    area = staging_area(tmp_path, DEVICES_0)
    kept = area.stage(0, 9, events(T13))
    area.stage(10, 19, events(T13))
    area.tmp_folder.mkdir(parents=True, exist_ok=True)
    (area.tmp_folder / "00000000000000000020-00000000000000000029.arrow.tmp").write_bytes(b"partial")
    gone = area.discard_uncommitted(next_offset=10)
    assert [f.first for f in gone] == [10]
    assert area.files() == [kept] and list(area.tmp_folder.iterdir()) == []


@pytest.mark.integration
def test_the_lake_never_holds_anything_but_complete_parquet_files(folder: Any) -> None:
    data, db, _ = folder
    staging = staging_in(data)
    checkpoint(staging, db, DEVICES_0, 0, 0, (T13,))
    staging.publish(db, DEVICES_0)
    files = [p for p in (data / "events").rglob("*") if p.is_file()]
    assert files and all(p.suffix == ".parquet" and not p.name.startswith((".", "_")) for p in files)
    assert pl.scan_parquet(data / "events", hive_partitioning=True).collect().height == 1


@pytest.mark.integration
def test_a_lake_folder_on_another_file_system_still_gets_each_file_by_one_rename(folder: Any) -> None:
    data, db, _ = folder
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == data.stat().st_dev:
        pytest.skip("needs /dev/shm on another file system than the test's folder")
    lake = Path(tempfile.mkdtemp(dir=shm)) / "events"
    try:
        staging = FolderStaging(data / "staging", data / "tmp", lake)
        checkpoint(staging, db, DEVICES_0, 0, 1, (T13, T13 + 3600))
        staging.publish(db, DEVICES_0)
        assert lake_rows(lake) == [("u0", 0, 13), ("u1", 1, 14)]
        assert [Path(n).name for n in lake_names(lake)] == [
            "part-devices-0-00000000000000000000-00000000000000000001.parquet"] * 2
    finally:
        shutil.rmtree(lake.parent)


@pytest.mark.integration
def test_a_backlog_larger_than_a_piece_is_published_in_several_transactions_exactly(folder: Any) -> None:
    data, db, url = folder
    staging = staging_in(data, Piece(offsets=10))
    for first in range(0, 25, 5):
        checkpoint(staging, db, DEVICES_0, first, first + 4, tuple(T13 + first + i for i in range(5)))
    pieces: list[tuple[int, int]] = []
    plan = staging._publisher.plan

    def recording_plan(conn: psycopg.Connection[Any], tp: TopicPartition) -> Any:
        planned = plan(conn, tp)
        if planned is not None:
            pieces.append(planned[0])
        return planned
    staging._publisher.plan = recording_plan  # type: ignore[method-assign]
    staging.publish(db, DEVICES_0)
    assert pieces == [(0, 9), (10, 19), (20, 24)]  # each recorded, written and deleted in transactions of its own
    assert [Path(n).name for n in lake_names(data / "events")] == [
        f"part-devices-0-{a:020d}-{b:020d}.parquet" for a, b in pieces]
    stamps = pl.scan_parquet(data / "events" / "**" / "*.parquet", hive_partitioning=True).collect()["timestamp"]
    assert sorted(stamps.dt.epoch("s").to_list()) == [T13 + i for i in range(25)]  # every event, once
    assert query(url, "SELECT count(*) FROM processor_staging") == [(0,)]


def test_a_piece_is_bounded_by_offsets_and_bytes_and_always_takes_one_batch() -> None:
    staged = [StagedBatch(0, 99, 10), StagedBatch(100, 199, 10), StagedBatch(200, 299, 500), StagedBatch(300, 300, 1)]
    assert next_piece(staged, Piece(offsets=200, bytes=1000)) == (0, 199)
    assert next_piece(staged, Piece(offsets=10_000, bytes=100)) == (0, 199)
    assert next_piece(staged, Piece(offsets=1, bytes=1)) == (0, 99)  # a batch larger than the bound goes alone
    assert next_piece(staged[2:], Piece(offsets=10_000, bytes=10_000)) == (200, 300)
    assert next_piece([], Piece()) is None


@pytest.mark.integration
def test_events_in_hundreds_of_hours_are_published_under_a_small_open_files_limit(folder: Any) -> None:
    data, db, _ = folder
    staging = staging_in(data)
    hours = 300
    checkpoint(staging, db, DEVICES_0, 0, hours - 1, tuple(T13 + 3600 * i for i in range(hours)))  # a broken clock
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (len(os.listdir("/proc/self/fd")) + 64, hard))
    try:
        staging.publish(db, DEVICES_0)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert len(lake_names(data / "events")) == hours
    assert lake_rows(data / "events") == sorted((f"u{i}", i, (13 + i) % 24) for i in range(hours))


def test_running_out_of_file_descriptors_names_the_limit_not_the_lake(tmp_path: Path) -> None:
    with pytest.raises(LakeUnavailable) as raised, file_system(tmp_path):
        raise OSError(errno.EMFILE, "Too many open files", str(tmp_path / "x"))
    assert "RLIMIT_NOFILE" in str(raised.value) and "cannot write" not in str(raised.value)
