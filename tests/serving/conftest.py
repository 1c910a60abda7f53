"""Fixtures of the serving tests: a database holding pipeline output, and a running Superset.

Superset lives in its own virtualenv (SUPERSET_VENV, default .venv-superset, made by
serving/install.sh). Without it the Superset and browser tests are skipped, except in CI (CI set),
where a missing install is a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from common import schema
from common.retry import within
from devstack.ports import free_port

from ..processes import CommandLines
from ..services import ROLE_PASSWORDS, provisioned_database, role_url
from . import pipeline_data

REPO = Path(__file__).resolve().parents[2]
SEED_RANGE = "2022-10-29T13:00:00 : 2022-10-29T18:00:00"
QUOTA_HOUR = "2022-10-29T17:00:00 : 2022-10-29T18:00:00"
ADMIN_PASSWORD = f"superset-admin-{uuid.uuid4().hex}"


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests save their screenshots: a temporary folder, or ``SCREENSHOT_DIR``
    (``make screenshots`` sets it to docs/img to refresh the README's pictures; tests never do)."""
    chosen = os.environ.get("SCREENSHOT_DIR")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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
class Served:
    database_url: str
    expected: dict[str, Any]
    base: str
    username: str
    password: str
    env: dict[str, str]
    setup_output: str
    setup_commands: CommandLines
    server_pid: int


@pytest.fixture(scope="session")
def pipeline_database(postgres_url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """A database holding 13h-17h of pipeline output, and what was written."""
    with provisioned_database(postgres_url) as url:
        yield url, pipeline_data.write(url)


def _wait_healthy(base: str, server: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> None:
    def healthy() -> bool:
        if server.poll() is not None:
            raise RuntimeError(f"Superset exited {server.returncode}: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    if not within(healthy, timeout, interval=1):
        raise RuntimeError(f"Superset not healthy after {timeout}s: {log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def superset(pipeline_database: tuple[str, dict[str, Any]]) -> Iterator[Served]:
    """`python -m serving setup`, then `serve` on a free loopback port, against the pipeline database."""
    python = superset_python()
    url, expected = pipeline_database
    home = Path(tempfile.mkdtemp(prefix="test-superset-"))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": role_url(url, schema.READER_ROLE), "SUPERSET_VENV": str(python.parent.parent),
           "SUPERSET_HOME": str(home), "ADMIN_PASSWORD": ADMIN_PASSWORD,
           "READER_PASSWORD": ROLE_PASSWORDS[schema.READER_ROLE],
           "SPEED_TIME_RANGE": SEED_RANGE, "BATCH_TIME_RANGE": SEED_RANGE, "QUOTA_HOUR_RANGE": QUOTA_HOUR,
           "SUPERSET_PORT": str(port), "SUPERSET_WORKERS": "2"}
    with CommandLines() as setup_commands:
        done = subprocess.run([sys.executable, "-m", "serving", "setup"], env=env, capture_output=True,
                              text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    log = home / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "serving", "serve"], env=env, stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, server, log)
        yield Served(url, expected, base, "admin", ADMIN_PASSWORD, env, done.stdout + done.stderr, setup_commands, server.pid)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
