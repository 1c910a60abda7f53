"""Superset set up once per test session, for every test that needs it.

``python -m serving setup`` (metadata migrations, administrator, roles, the dashboards) runs once,
into a Superset home of its own, against a database holding pipeline output. A copy of that home,
taken before any server opens it, is the template a test that needs a Superset home of its own
starts from (``SupersetSetup.home_copy``): its own ``serving setup`` then only converges (the
migrations are done, the administrator exists, the import replaces by UUID) instead of starting
from an empty metadata database. tests/conftest.py makes the fixtures visible to every test.

Superset lives in its own virtualenv (SUPERSET_VENV, default .venv-superset, made by
serving/install.sh). Without it the Superset and browser tests are skipped, except in CI (CI set),
where a missing install is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from common import schema

from .processes import CommandLines
from .services import ROLE_PASSWORDS, provisioned_database, role_url
from .serving import pipeline_data

REPO = Path(__file__).resolve().parents[1]
SEED_RANGE = "2022-10-29T13:00:00 : 2022-10-29T18:00:00"
QUOTA_HOUR = "2022-10-29T17:00:00 : 2022-10-29T18:00:00"
ADMIN_PASSWORD = f"superset-admin-{uuid.uuid4().hex}"


def superset_python() -> Path:
    """Python of Superset's virtualenv (it also has Playwright), or skip/fail when it is missing."""
    venv = Path(os.environ.get("SUPERSET_VENV", REPO / ".venv-superset")).absolute()
    if (venv / "bin" / "superset").exists() and Path("/usr/bin/chromium").exists():
        return venv / "bin" / "python"
    reason = f"Superset virtualenv {venv} or /usr/bin/chromium missing: run serving/install.sh"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass(frozen=True)
class SupersetSetup:
    """The session's one ``serving setup``: its environment (``SUPERSET_HOME`` is its home), what it
    printed, the command lines it ran, and the template copy of its home."""

    database_url: str
    expected: dict[str, Any]
    env: dict[str, str]
    output: str
    commands: CommandLines
    template: Path

    def home_copy(self, home: Path) -> Path:
        """``home`` made a copy of the set-up home: metadata database and secret key (which encrypts
        the database connections in it)."""
        shutil.copytree(self.template, home, dirs_exist_ok=True)
        return home


@pytest.fixture(scope="session")
def pipeline_database(postgres_url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """A database holding 13h-17h of pipeline output, and what was written."""
    with provisioned_database(postgres_url) as url:
        yield url, pipeline_data.write(url)


@pytest.fixture(scope="session")
def superset_setup(pipeline_database: tuple[str, dict[str, Any]],
                   tmp_path_factory: pytest.TempPathFactory) -> SupersetSetup:
    """`python -m serving setup` once, against the pipeline database, as the reader."""
    python = superset_python()
    url, expected = pipeline_database
    home = tmp_path_factory.mktemp("superset-home")
    env = {**os.environ, "DATABASE_URL": role_url(url, schema.READER_ROLE), "SUPERSET_VENV": str(python.parent.parent),
           "SUPERSET_HOME": str(home), "ADMIN_PASSWORD": ADMIN_PASSWORD,
           "READER_PASSWORD": ROLE_PASSWORDS[schema.READER_ROLE],
           "SPEED_TIME_RANGE": SEED_RANGE, "BATCH_TIME_RANGE": SEED_RANGE, "QUOTA_HOUR_RANGE": QUOTA_HOUR}
    with CommandLines() as commands:
        done = subprocess.run([sys.executable, "-m", "serving", "setup"], env=env, capture_output=True,
                              text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    template = tmp_path_factory.mktemp("superset-template")
    shutil.copytree(home, template, dirs_exist_ok=True, ignore=shutil.ignore_patterns("dashboards.zip"))
    return SupersetSetup(url, expected, env, done.stdout + done.stderr, commands, template)
