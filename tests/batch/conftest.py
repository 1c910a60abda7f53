"""Fixtures of the batch tests: a lake folder of the test's own and a provisioned database."""

from __future__ import annotations

from pathlib import Path

import pytest

from batch.settings import BatchSettings
from common import schema

from ..services import provision_database, role_url


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    """``$DATA_DIR/events`` of this test (``DATA_DIR`` is its parent)."""
    folder = tmp_path / "data" / "events"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def provisioned(database_url: str) -> str:
    """A database of this test's own with the tables, roles and the seed's 20 users (owner's URL)."""
    provision_database(database_url)
    return database_url


@pytest.fixture
def settings(provisioned: str, lake: Path) -> BatchSettings:
    """Batch settings pointing at this test's database, as the batch job's role, and lake."""
    return BatchSettings(database_url=role_url(provisioned, schema.BATCH_ROLE), data_dir=lake.parent)
