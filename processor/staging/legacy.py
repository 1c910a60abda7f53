"""The staged files of the code before migration 0008 (no rows), adopted once per partition at upgrade.

Before the ranges were recorded in PostgreSQL, a lake in a folder kept an interrupted publish's record
in ``<staging folder>/_publish.json`` (its staged inputs and the lake file of every hour they cover);
the first owner after the upgrade finishes it with the same names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from ..lake.durable import file_system, remove
from ..records import TopicPartition
from . import rows
from .files import StagedFiles

MANIFEST = "_publish.json"


@dataclass(frozen=True)
class LegacyManifest:
    """Staged files an interrupted publish of the old code read (in offset order), and its lake paths."""

    inputs: tuple[str, ...]
    outputs: dict[int, str]  # hours since the epoch -> path relative to the lake root

    @classmethod
    def from_json(cls, text: str) -> LegacyManifest:
        raw = json.loads(text)
        return cls(tuple(raw["inputs"]), {int(h): str(p) for h, p in raw["outputs"].items()})

    @staticmethod
    def path(files: StagedFiles) -> Path:
        return files.folder / MANIFEST

    @classmethod
    def load(cls, files: StagedFiles) -> LegacyManifest | None:
        """The manifest an interrupted publish of the old code left, if there is one."""
        path = cls.path(files)
        return cls.from_json(path.read_text()) if path.exists() else None


def adopt_legacy(conn: psycopg.Connection[Any], files: StagedFiles, lake: Path, tp: TopicPartition,
                 next_offset: int) -> None:
    """Record the staged files of the code before migration 0008 (no rows): committed if below ``next_offset``.

    An interrupted publish it left (``_publish.json``) becomes the publish record of its inputs'
    range, so it is finished with the same names; one whose outputs are all written only loses its inputs.
    """
    with file_system(files.folder):
        if (manifest := LegacyManifest.load(files)) is not None:
            inputs = [f for f in files.files() if f.path.name in manifest.inputs]
            if all((lake / rel).exists() for rel in manifest.outputs.values()):
                remove([f.path for f in inputs] + [LegacyManifest.path(files)])
            elif inputs:
                rows.start_publishing(conn, tp, (inputs[0].first, inputs[-1].last))
        for f in files.files():
            if f.last < next_offset:
                rows.stage_events(conn, tp, f.first, f.last, None, f.path.name)
