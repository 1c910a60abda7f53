"""The serving command line: documented settings, one-line errors, and no Superset in the pipeline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from common.cli import is_secret
from serving.commands import COMMANDS

from ..helpers import run_module

REPO = Path(__file__).resolve().parents[2]
RUNS_IN_SUPERSETS_VENV = {"serving/superset/import_assets.py", "serving/superset/admin_user.py"}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_setting_of_every_command_is_in_its_help_and_the_readme(command: str) -> None:
    cls = COMMANDS[command].settings
    help_text = run_module("serving", command, "--help").stdout
    readme = (REPO / "serving" / "README.md").read_text()
    for name, field in cls.model_fields.items():
        assert (f"{name.upper()}:" if is_secret(field) else f"--{name.replace('_', '-')}") in help_text
        assert f"`{name.upper()}`" in readme, f"{name.upper()} is not documented in serving/README.md"


def test_setup_without_an_admin_password_is_a_configuration_error(tmp_path: Path) -> None:
    result = run_module("serving", "setup", env={"ADMIN_PASSWORD": "", "SUPERSET_HOME": str(tmp_path)})
    assert result.returncode == 2 and "ADMIN_PASSWORD" in result.stderr
    assert "Traceback" not in result.stderr


def test_setup_without_superset_installed_says_how_to_install_it(tmp_path: Path) -> None:
    result = run_module("serving", "setup", env={"ADMIN_PASSWORD": "x", "SUPERSET_VENV": str(tmp_path / "none"),
                                                 "SUPERSET_HOME": str(tmp_path)})
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "serving/install.sh" in result.stderr


def test_the_bundle_command_writes_a_zip(tmp_path: Path) -> None:
    result = run_module("serving", "bundle", "--out", str(tmp_path / "b.zip"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "b.zip").stat().st_size > 1000


def test_nothing_the_pipeline_runs_imports_superset() -> None:
    importing = re.compile(r"^\s*(from|import)\s+superset\b", re.M)
    offenders = [str(p.relative_to(REPO)) for folder in ("common", "provision", "processor", "batch", "serving",
                                                         "simulator", "devstack")
                 for p in (REPO / folder).rglob("*.py") if importing.search(p.read_text())]
    assert sorted(offenders) == sorted(RUNS_IN_SUPERSETS_VENV)
