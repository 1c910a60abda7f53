"""The Spark peer's environment, installed on first use: its own virtualenv with PySpark, and the jars.

Nothing here touches the project's virtualenv: PySpark (about 500 MB) goes into
``<cache>/spark-<version>/venv``, the Kafka connector and the PostgreSQL JDBC driver into
``<cache>/spark-<version>/jars`` through Maven, with a local repository of their own
(``<cache>/spark-<version>/m2``). Later runs reuse both. ``<cache>`` is the cache the Kafka broker
jars use (``$XDG_CACHE_HOME/antenna-pipeline`` or ``~/.cache/antenna-pipeline``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from common.errors import DevStackError
from devstack.maven import copy_dependencies, default_cache_dir, pom_version

HERE = Path(__file__).parent
POM = HERE / "jars.pom.xml"
REQUIREMENTS = HERE / "requirements.txt"


def spark_version() -> str:
    """The one Spark version of the peer, as the POM pins it (PySpark is pinned to the same)."""
    return pom_version(POM, "spark.version")


@dataclass(frozen=True)
class SparkEnvironment:
    """The interpreter that runs the Spark jobs and the jars Spark is given (``spark.jars``)."""

    python: Path
    jars: tuple[Path, ...]
    version: str


def _virtualenv(folder: Path) -> Path:
    python = folder / "bin" / "python"
    if (folder / ".complete").exists():
        return python
    if f"pyspark=={spark_version()}" not in REQUIREMENTS.read_text():
        raise DevStackError(f"{REQUIREMENTS} must pin pyspark=={spark_version()}, the version of {POM.name}")
    shutil.rmtree(folder, ignore_errors=True)
    print(f"spark peer: installing PySpark {spark_version()} into {folder} (first use, a minute or two)", flush=True)
    steps = [[sys.executable, "-m", "venv", str(folder)],
             [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", str(REQUIREMENTS)]]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            raise DevStackError(f"installing the Spark peer failed: {' '.join(step[:4])}: {done.stderr[-2000:]}")
    (folder / ".complete").touch()
    return python


def spark_environment(cache_dir: Path | None = None) -> SparkEnvironment:
    """Install what is missing (virtualenv, jars) and return the environment; Java 17+ must be on PATH."""
    if shutil.which("java") is None:
        raise DevStackError("the Spark peer needs Java 17+ on PATH (apt-get install openjdk-17-jre-headless)")
    version = spark_version()
    root = (cache_dir or default_cache_dir()) / f"spark-{version}"
    python = _virtualenv(root / "venv")
    jars = copy_dependencies(POM, root / "jars", local_repository=root / "m2")
    return SparkEnvironment(python, tuple(sorted(jars.glob("*.jar"))), version)
