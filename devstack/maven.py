"""Jars from Maven Central into a cached folder, once: ``mvn dependency:copy-dependencies`` of a POM."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

from common.errors import DevStackError

log = logging.getLogger(__name__)
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies"


def default_cache_dir() -> Path:
    """Where fetched jars are kept between runs (``$XDG_CACHE_HOME`` or ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "antenna-pipeline"


def pom_version(pom: Path, name: str) -> str:
    """The version a POM pins in its ``<properties>`` as ``<name>`` (``kafka.version``...)."""
    text = pom.read_text()
    if f"<{name}>" not in text:
        raise DevStackError(f"{pom.name} pins no <{name}>")
    return text.split(f"<{name}>")[1].split("<")[0].strip()


def copy_dependencies(pom: Path, target: Path, local_repository: Path | None = None) -> Path:
    """The runtime dependencies of ``pom`` in ``target``; later calls reuse the complete folder.

    ``local_repository`` keeps Maven's downloads apart from ``~/.m2`` (a self-contained cache).
    """
    if (target / ".complete").exists():
        return target
    if shutil.which("mvn") is None or shutil.which("java") is None:
        raise DevStackError("fetching jars needs Java 17+ and Maven on PATH (apt-get install openjdk-17-jre-headless maven)")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    log.info("fetching the jars of %s through Maven into %s", pom.name, target)
    cmd = ["mvn", "-B", "-q", "-f", str(pom), DEPENDENCY_PLUGIN, f"-DoutputDirectory={partial}", "-DincludeScope=runtime"]
    if local_repository is not None:
        cmd.append(f"-Dmaven.repo.local={local_repository}")
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise DevStackError(f"mvn could not fetch the jars of {pom.name}: {result.stdout[-2000:]}{result.stderr[-2000:]}")
    (partial / ".complete").touch()
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target
