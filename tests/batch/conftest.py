"""Fixtures of the batch tests: a lake of the test's own (a folder, or a bucket on the real S3
server) and a provisioned database.

A test runs on the folder lake only, unless it is marked ``@both_lakes``: then it runs on the folder
and on a bucket. Only listing and reading differ between the two stores (common/lake_store.py), so
the tests marked are those whose outcome goes through them: which files an hour has (temporary,
foreign and missing ones), fingerprints for catch-up, the errors naming a file read, and one exact
end-to-end run each of the job and of its command line (with ``LAKE_URL``). What the batch does with
the rows once read (sums, ledger, transactions, the scheduler's loop) is the same code on both.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from batch.settings import BatchSettings
from common import schema
from common.lake_store import LakeStore

from ..helpers import settings_from_env
from ..services import provision_database, role_url, s3_env


def local_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "data" / "events").mkdir(parents=True)
    return {"DATA_DIR": str(tmp_path / "data")}


LAKES = ["local", "s3"]
both_lakes = pytest.mark.parametrize("lake_env", LAKES, indirect=True)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The folder lake for each test using ``lake_env`` that ``@both_lakes`` does not parametrize."""
    chosen = {name for mark in metafunc.definition.iter_markers("parametrize")
              for name in (mark.args[0].split(",") if isinstance(mark.args[0], str) else mark.args[0])}
    if "lake_env" in metafunc.fixturenames and "lake_env" not in {name.strip() for name in chosen}:
        metafunc.parametrize("lake_env", LAKES[:1], indirect=True)


@pytest.fixture
def lake_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The settings of this test's lake: ``$DATA_DIR/events``, or ``LAKE_URL=s3://<new bucket>/lake``."""
    env = local_env(tmp_path)
    if request.param == "s3":
        new_bucket: Callable[[], str] = request.getfixturevalue("new_bucket")
        env |= s3_env(request.getfixturevalue("s3"), f"s3://{new_bucket()}/lake")
    return env


@pytest.fixture
def local_lake_env(tmp_path: Path) -> dict[str, str]:
    """A local lake only, for tests about something else than where the lake is."""
    return local_env(tmp_path)


def batch_settings(database_url: str, env: dict[str, str]) -> BatchSettings:
    return settings_from_env(BatchSettings, env, database_url=database_url)


@pytest.fixture
def lake(lake_env: dict[str, str]) -> LakeStore:
    """This test's lake."""
    return batch_settings("postgresql://unused@localhost/x", lake_env).lake()


@pytest.fixture
def provisioned(database_url: str) -> str:
    """A database of this test's own with the tables, roles and the seed's 20 users (owner's URL)."""
    provision_database(database_url)
    return database_url


@pytest.fixture
def settings(provisioned: str, lake_env: dict[str, str]) -> BatchSettings:
    """Batch settings pointing at this test's database, as the batch job's role, and lake."""
    return batch_settings(role_url(provisioned, schema.BATCH_ROLE), lake_env)
