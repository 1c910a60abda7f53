"""Quix Streams is confined to processor/kafka/, and the private hook we override still exists."""

from __future__ import annotations

import inspect
from pathlib import Path

from quixstreams import Application

from ...helpers import imported_modules

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("common", "devstack", "provision", "simulator", "processor", "batch", "serving")


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
