"""The publish manifest of the code before migration 0008 (read once, at upgrade).

Lake files are named by ``common.lake.file_name``. Before the ranges were recorded in PostgreSQL, a
lake in a folder kept an interrupted publish's record in
``<staging folder>/_publish.json`` (its staged inputs and the lake file of every hour they cover);
the first owner after the upgrade finishes it with the same names (``ownership.adopt_legacy``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .staging import StagingArea

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
    def path(area: StagingArea) -> Path:
        return area.folder / MANIFEST

    @classmethod
    def load(cls, area: StagingArea) -> LegacyManifest | None:
        """The manifest an interrupted publish of the old code left, if there is one."""
        path = cls.path(area)
        return cls.from_json(path.read_text()) if path.exists() else None
