"""Fixtures of the batch tests: a lake folder of the test's own and a provisioned database."""

from __future__ import annotations

from pathlib import Path

import pytest

from batch.settings import BatchSettings
from provision.run import run as provision
from provision.settings import ProvisionSettings


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    """``$DATA_DIR/events`` of this test (``DATA_DIR`` is its parent)."""
    folder = tmp_path / "data" / "events"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def provisioned(database_url: str) -> str:
    """A database of this test's own with the tables and the seed's 20 users."""
    provision(ProvisionSettings(database_url=database_url), say=lambda _: None)
    return database_url


@pytest.fixture
def settings(provisioned: str, lake: Path) -> BatchSettings:
    """Batch settings pointing at this test's database and lake."""
    return BatchSettings(database_url=provisioned, data_dir=lake.parent)
