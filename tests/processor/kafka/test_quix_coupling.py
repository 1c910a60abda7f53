"""Quix Streams is confined to processor/kafka/, and the private hook we override still exists."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from quixstreams import Application

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("common", "devstack", "provision", "simulator", "processor", "batch", "serving")


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_quixstreams_is_imported_only_inside_the_processors_kafka_folder() -> None:
    kafka_folder = ROOT / "processor" / "kafka"
    outside = [str(path.relative_to(ROOT)) for package in PACKAGES for path in (ROOT / package).rglob("*.py")
               if kafka_folder not in path.parents
               and any(m == "quixstreams" or m.startswith("quixstreams.") for m in imported_modules(path))]
    assert outside == []


def test_the_assignment_hook_we_override_is_still_quixs_own() -> None:
    hook = getattr(Application, "_on_assign", None)
    assert hook is not None, "quixstreams.Application._on_assign is gone: processor/kafka/application.py must change"
    assert list(inspect.signature(hook).parameters) == ["self", "_", "topic_partitions"]
