"""The publish manifest: what one publish reads and writes, recorded before the lake is touched.

``<staging folder>/_publish.json`` holds the staged inputs and the lake file of every hour they
cover. A crash in the middle of a publish is finished on the next one from this record, with the
same names: outputs are never duplicated, inputs are deleted only once every output is in place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..records import TopicPartition
from .durable import write_text_atomically
from .staging import StagingArea

MANIFEST = "_publish.json"


def lake_file_name(tp: TopicPartition, first: int, last: int) -> str:
    """Derived from the data, never the clock: a replay of the same offsets gets the same name."""
    return f"part-{tp.topic}-{tp.partition}-{first:020d}-{last:020d}.parquet"


@dataclass(frozen=True)
class PublishManifest:
    """Staged files to publish (in offset order), and the lake path (relative) of each UTC hour."""

    inputs: tuple[str, ...]
    outputs: dict[int, str]  # hours since the epoch -> path relative to the lake root

    def to_json(self) -> str:
        return json.dumps({"inputs": list(self.inputs), "outputs": {str(h): p for h, p in self.outputs.items()}})

    @classmethod
    def from_json(cls, text: str) -> PublishManifest:
        raw = json.loads(text)
        return cls(tuple(raw["inputs"]), {int(h): str(p) for h, p in raw["outputs"].items()})

    @staticmethod
    def path(area: StagingArea) -> Path:
        return area.folder / MANIFEST

    @classmethod
    def load(cls, area: StagingArea) -> PublishManifest | None:
        """The manifest of an interrupted publish, if there is one."""
        path = cls.path(area)
        return cls.from_json(path.read_text()) if path.exists() else None

    def save(self, area: StagingArea) -> None:
        path = self.path(area)
        write_text_atomically(self.to_json(), path, area.temp_for(path))
