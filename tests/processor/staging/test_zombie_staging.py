"""A zombie with a lake in a folder: only ranges PostgreSQL committed are ever published (issue 17, item 6)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pytest

from common import schema
from processor.lake.durable import write_ipc_atomically
from processor.postgres.connection import ReconnectingConnection
from processor.staging.files import StagedFiles
from processor.staging.folder import FolderStaging

from ...helpers import query
from ...services import role_url
from .test_publish import DEVICES_0, T13, checkpoint, events, folder, lake_rows

pytestmark = pytest.mark.integration
__all__ = ["folder"]  # the fixture, shared with test_publish.py


def test_a_zombie_that_stages_after_its_session_died_never_gets_its_file_published(folder: Any) -> None:
    data, db, url = folder
    stamps = tuple(T13 + i for i in range(10))
    owner_staging = zombie_stages_after_the_owner_committed(data, db, url, 0, 4, events(*stamps[:5]))
    assert (0, 4) in [(f.first, f.last) for f in zombie_staging_area(data).files()]
    owner_staging.publish(db, DEVICES_0)
    assert lake_rows(data / "events") == [(f"u{i}", i, 13) for i in range(10)]  # each event exactly once
    assert list((data / "staging" / "devices" / "0").iterdir()) == []


def test_a_zombie_that_stages_the_very_range_the_new_owner_committed_never_replaces_its_file(folder: Any) -> None:
    data, db, url = folder
    stamps = tuple(T13 + i for i in range(10))
    # The zombie's admission of the same offsets differed (another contract version, another overflow
    # decision): it wakes and stages offsets 0-9 with other events. It must not replace the owner's file.
    owner_staging = zombie_stages_after_the_owner_committed(data, db, url, 0, 9, events(*stamps[:3]))
    assert [(f.first, f.last) for f in zombie_staging_area(data).files()] == [(0, 9), (0, 9)]
    owner_staging.publish(db, DEVICES_0)
    assert lake_rows(data / "events") == [(f"u{i}", i, 13) for i in range(10)]  # the owner's events, once
    assert list((data / "staging" / "devices" / "0").iterdir()) == []


def zombie_stages_after_the_owner_committed(data: Path, db: ReconnectingConnection, url: str, first: int, last: int,
                                            staged: pa.Table) -> FolderStaging:
    """Two processors on one host, one DATA_DIR. The zombie takes the partition and admits, then is frozen
    before it stages, past DATABASE_IDLE_IN_TRANSACTION_TIMEOUT: the server ends its session, rolling its
    transaction back. The new owner commits offsets 0-9 (events u0-u9); the zombie wakes and stages
    ``first``-``last`` (recording it on the dead session fails; the file is written). The new owner's staging."""
    zombie_staging, owner_staging = (FolderStaging(data / "staging", data / "tmp", data / "events")
                                     for _ in range(2))
    zombie = psycopg.connect(role_url(url, schema.PROCESSOR_ROLE))
    try:
        stager, next_offset = zombie_staging.take(zombie, DEVICES_0)
        assert next_offset == 0
        assert query(url, "SELECT pg_terminate_backend(%s)", (zombie.info.backend_pid,)) == [(True,)]
        checkpoint(owner_staging, db, DEVICES_0, 0, 9, tuple(T13 + i for i in range(10)))
        with contextlib.suppress(psycopg.OperationalError):
            stager.stage(first, last, staged)
    finally:
        zombie.close()  # no COMMIT: its session is gone
    return owner_staging


def zombie_staging_area(data: Path) -> StagedFiles:
    return StagedFiles(data / "staging", data / "tmp", DEVICES_0)


def stage_as_before_0008(area: StagedFiles, first: int, last: int, table: pa.Table) -> None:
    """A staged file as the code before migration 0008 named it (the offset range, no token)."""
    path = area.folder / f"{first:020d}-{last:020d}.arrow"
    write_ipc_atomically(table, path, area.tmp_folder / f"{path.name}.tmp")


def test_files_staged_before_the_upgrade_are_published_once_and_an_uncommitted_one_is_not(folder: Any) -> None:
    data, db, url = folder
    area = zombie_staging_area(data)
    stage_as_before_0008(area, 0, 4, events(*(T13 + i for i in range(5))))  # committed by the code before migration 0008...
    stage_as_before_0008(area, 5, 9, events(*(T13 + 3600 + i for i in range(5))))
    stage_as_before_0008(area, 10, 12, events(T13, T13, T13))  # ...and a crash's leftover, never committed
    query(url, "INSERT INTO processor_offsets (topic, partition, next_offset, staging_recorded) "
          "VALUES ('devices', 0, 10, false) RETURNING 1")  # a partition that existed when migration 0008 ran
    FolderStaging(data / "staging", data / "tmp", data / "events").publish(db, DEVICES_0)
    assert lake_rows(data / "events") == sorted([(f"u{i}", i, 13) for i in range(5)] +
                                                [(f"u{i}", i, 14) for i in range(5)])
    assert area.files() == []
    assert query(url, "SELECT staging_recorded FROM processor_offsets") == [(True,)]


def test_a_publish_the_old_code_left_half_done_is_finished_with_its_names_after_the_upgrade(folder: Any) -> None:
    data, db, url = folder
    lake, area = data / "events", zombie_staging_area(data)
    stage_as_before_0008(area, 0, 1, events(T13, T13 + 3600))
    stage_as_before_0008(area, 2, 2, events(T13 + 1))
    name = "part-devices-0-00000000000000000000-00000000000000000002.parquet"
    hours = {463069: f"year=2022/month=10/day=29/hour=13/{name}", 463070: f"year=2022/month=10/day=29/hour=14/{name}"}
    (area.folder / "_publish.json").write_text(json.dumps({
        "inputs": ["00000000000000000000-00000000000000000001.arrow", "00000000000000000002-00000000000000000002.arrow"],
        "outputs": {str(h): p for h, p in hours.items()}}))  # the old code's record, saved before any output
    stage_as_before_0008(area, 3, 3, events(T13 + 2))  # a batch committed after that publish began
    query(url, "INSERT INTO processor_offsets (topic, partition, next_offset, staging_recorded) "
          "VALUES ('devices', 0, 4, false) RETURNING 1")
    FolderStaging(data / "staging", data / "tmp", lake).publish(db, DEVICES_0)
    assert sorted(str(p.relative_to(lake)) for p in lake.rglob("*.parquet")) == sorted(
        [*hours.values(), "year=2022/month=10/day=29/hour=13/part-devices-0-00000000000000000003-00000000000000000003.parquet"])
    assert lake_rows(lake) == [("u0", 0, 13), ("u0", 0, 13), ("u0", 0, 13), ("u1", 1, 14)]
    assert list(area.folder.iterdir()) == []
