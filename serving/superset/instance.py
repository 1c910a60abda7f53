"""A Superset install in its own virtualenv, driven through its command line (never imported)."""

from __future__ import annotations

import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

from common.cli import secret_settings

from ..errors import SupersetCommandFailed, SupersetNotInstalled
from ..settings import SetupSettings

CONFIG_FILE = Path(__file__).with_name("superset_config.py")
IMPORT_SCRIPT = Path(__file__).with_name("import_assets.py")
ADMIN_SCRIPT = Path(__file__).with_name("admin_user.py")


@dataclass(frozen=True)
class Instance:
    """Where Superset's programs are, and the environment they run with."""

    venv: Path
    env: dict[str, str]

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def run(self, name: str, *args: str, program: str = "superset", timeout: float = 600,
            stdin: str | None = None) -> str:
        """Run one command (``stdin``: its input, for secrets); its output, or ``SupersetCommandFailed``."""
        try:
            done = subprocess.run([self.bin(program), *args], env=self.env, capture_output=True,
                                  text=True, timeout=timeout, input=stdin if stdin is not None else "")
        except subprocess.TimeoutExpired as e:
            raise SupersetCommandFailed(name, -1, f"timed out after {timeout:g}s") from e
        output = done.stdout + done.stderr
        if done.returncode != 0:
            raise SupersetCommandFailed(name, done.returncode, output)
        return output


def secret_key(settings: SetupSettings) -> str:
    """SUPERSET_SECRET_KEY, or one generated on first use and kept (mode 600) in SUPERSET_HOME."""
    if settings.superset_secret_key is not None:
        return settings.superset_secret_key.get_secret_value()
    path = settings.superset_home / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(42))
        path.chmod(0o600)
    return path.read_text().strip()


def instance(settings: SetupSettings) -> Instance:
    """The install named by SUPERSET_VENV, with its configuration in the environment."""
    if not (settings.superset_venv / "bin" / "superset").exists():
        raise SupersetNotInstalled(
            f"Superset is not installed in {settings.superset_venv}: run serving/install.sh "
            "(or set SUPERSET_VENV)")
    settings.superset_home.mkdir(parents=True, exist_ok=True)
    metadata = (settings.superset_metadata_url.get_secret_value() if settings.superset_metadata_url
                else f"sqlite:///{settings.superset_home / 'superset.db'}")
    # Superset's processes get no secret of the pipeline's (admin and reader passwords, DATABASE_URL).
    kept = {k: v for k, v in os.environ.items() if k.lower() not in secret_settings(SetupSettings)}
    env = {**kept, "SUPERSET_CONFIG_PATH": str(CONFIG_FILE), "SUPERSET_HOME": str(settings.superset_home),
           "SUPERSET_SECRET_KEY": secret_key(settings), "SUPERSET_METADATA_URL": metadata,
           "FLASK_APP": "superset.app:create_app()", "PYTHONUNBUFFERED": "1"}
    return Instance(settings.superset_venv, env)
