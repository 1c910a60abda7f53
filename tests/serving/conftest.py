"""Fixtures of the serving tests: a running Superset over the session's one set-up (tests/superset_setup.py,
which also holds the database of pipeline output and the check that Superset is installed).
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from common.retry import within
from devstack.ports import free_port

from ..processes import CommandLines
from ..superset_setup import QUOTA_HOUR as QUOTA_HOUR
from ..superset_setup import REPO as REPO
from ..superset_setup import SEED_RANGE as SEED_RANGE
from ..superset_setup import SupersetSetup
from ..superset_setup import superset_python as superset_python


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests save their screenshots: a temporary folder, or ``SCREENSHOT_DIR``
    (``make screenshots`` sets it to docs/img to refresh the README's pictures; tests never do)."""
    chosen = os.environ.get("SCREENSHOT_DIR")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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
def superset(superset_setup: SupersetSetup) -> Iterator[Served]:
    """`serve` on a free loopback port, over the session's one `python -m serving setup`."""
    port = free_port()
    env = {**superset_setup.env, "SUPERSET_PORT": str(port), "SUPERSET_WORKERS": "2"}
    log = Path(env["SUPERSET_HOME"]) / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "serving", "serve"], env=env, stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, server, log)
        yield Served(superset_setup.database_url, superset_setup.expected, base, "admin",
                     superset_setup.env["ADMIN_PASSWORD"], env, superset_setup.output, superset_setup.commands,
                     server.pid)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
