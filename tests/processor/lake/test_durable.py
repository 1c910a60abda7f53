"""Durable writes into a lake folder on another file system than DATA_DIR (a real tmpfs, no mock)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.lake import counts, file_name
from processor.lake.durable import commit_temp

SHM = Path("/dev/shm")


@pytest.fixture
def other_file_system(tmp_path: Path) -> Iterator[Path]:
    if not SHM.is_dir() or os.stat(SHM).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no tmpfs at /dev/shm on another file system than the test's folder")
    folder = SHM / f"lake-test-{uuid.uuid4().hex}"
    folder.mkdir()
    try:
        yield folder
    finally:
        for path in sorted(folder.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        folder.rmdir()


def test_a_file_committed_across_file_systems_arrives_whole_and_leaves_no_temporary_copy(
        tmp_path: Path, other_file_system: Path) -> None:
    tmp = tmp_path / "hour-5.parquet"
    tmp.write_bytes(b"complete contents")
    final = other_file_system / "year=2022/month=10/day=29/hour=13" / file_name("devices", 0, 0, 9)
    commit_temp(tmp, final)
    assert final.read_bytes() == b"complete contents" and not tmp.exists()
    assert [p.name for p in final.parent.iterdir()] == [final.name] and counts(final.name)
