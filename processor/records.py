"""Records that cross the speed layer's boundaries: a topic partition and one checkpoint's batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class TopicPartition(NamedTuple):
    """One partition of one topic (a plain tuple: hashable, sortable, cheap as a dict key)."""

    topic: str
    partition: int

    def __str__(self) -> str:
        return f"{self.topic}[{self.partition}]"


@dataclass(slots=True)
class PartitionBatch:
    """The raw messages of one partition taken since the last checkpoint, in offset order."""

    values: list[bytes | None] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)  # ascending

    def append(self, value: bytes | None, offset: int) -> None:
        self.values.append(value)
        self.offsets.append(offset)


Checkpoint = dict[TopicPartition, PartitionBatch]
"""Every partition's batch of one checkpoint."""
